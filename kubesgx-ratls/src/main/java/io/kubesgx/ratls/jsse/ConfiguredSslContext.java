package io.kubesgx.ratls.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} over an initialised JDK context whose engines and sockets start with our
 * protocol list and client-authentication mode, and whose default parameters say the same (so the
 * JDK {@code HttpClient} and {@code HttpsServer} pick them up).
 */
final class ConfiguredSslContext extends SSLContext {
  private ConfiguredSslContext(Spi spi, SSLContext delegate) {
    super(spi, delegate.getProvider(), delegate.getProtocol());
  }

  static SSLContext wrap(SSLContext delegate, String[] protocols, RaTlsContexts.ClientAuth clientAuth) {
    return new ConfiguredSslContext(new Spi(delegate, protocols, clientAuth), delegate);
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final String[] protocols;
    private final RaTlsContexts.ClientAuth clientAuth;

    Spi(SSLContext delegate, String[] protocols, RaTlsContexts.ClientAuth clientAuth) {
      this.delegate = delegate;
      this.protocols = protocols.clone();
      this.clientAuth = clientAuth;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("this RA-TLS context is already initialised; build a new one with RaTlsContexts");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new SocketFactory(delegate.getSocketFactory());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSocketFactory(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return configure(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return configure(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      SSLParameters p = delegate.getDefaultSSLParameters();
      p.setProtocols(protocols.clone());
      applyClientAuth(p);
      return p;
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return delegate.getSupportedSSLParameters();
    }

    private void applyClientAuth(SSLParameters p) {
      clientAuth(p::setNeedClientAuth, p::setWantClientAuth);
    }

    private SSLEngine configure(SSLEngine e) {
      e.setEnabledProtocols(protocols.clone());
      clientAuth(e::setNeedClientAuth, e::setWantClientAuth);
      return e;
    }

    private Socket configure(Socket s) {
      if (s instanceof SSLSocket ssl) {
        ssl.setEnabledProtocols(protocols.clone());
        clientAuth(ssl::setNeedClientAuth, ssl::setWantClientAuth);
      }
      return s;
    }

    private SSLServerSocket configure(SSLServerSocket s) {
      s.setEnabledProtocols(protocols.clone());
      clientAuth(s::setNeedClientAuth, s::setWantClientAuth);
      return s;
    }

    /** Applies the client-authentication mode through the object's need/want setters (the last call wins in JSSE). */
    private void clientAuth(Consumer<Boolean> need, Consumer<Boolean> want) {
      switch (clientAuth) {
        case REQUIRE -> need.accept(true);
        case REQUEST -> want.accept(true);
        case NONE -> want.accept(false);
      }
    }

    private final class SocketFactory extends SSLSocketFactory {
      private final SSLSocketFactory f;

      SocketFactory(SSLSocketFactory f) {
        this.f = f;
      }

      @Override
      public String[] getDefaultCipherSuites() {
        return f.getDefaultCipherSuites();
      }

      @Override
      public String[] getSupportedCipherSuites() {
        return f.getSupportedCipherSuites();
      }

      @Override
      public Socket createSocket() throws IOException {
        return configure(f.createSocket());
      }

      @Override
      public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return configure(f.createSocket(s, host, port, autoClose));
      }

      @Override
      public Socket createSocket(String host, int port) throws IOException {
        return configure(f.createSocket(host, port));
      }

      @Override
      public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return configure(f.createSocket(host, port, localHost, localPort));
      }

      @Override
      public Socket createSocket(InetAddress host, int port) throws IOException {
        return configure(f.createSocket(host, port));
      }

      @Override
      public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return configure(f.createSocket(address, port, localAddress, localPort));
      }
    }

    private final class ServerSocketFactory extends SSLServerSocketFactory {
      private final SSLServerSocketFactory f;

      ServerSocketFactory(SSLServerSocketFactory f) {
        this.f = f;
      }

      @Override
      public String[] getDefaultCipherSuites() {
        return f.getDefaultCipherSuites();
      }

      @Override
      public String[] getSupportedCipherSuites() {
        return f.getSupportedCipherSuites();
      }

      @Override
      public java.net.ServerSocket createServerSocket() throws IOException {
        return configure((SSLServerSocket) f.createServerSocket());
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port) throws IOException {
        return configure((SSLServerSocket) f.createServerSocket(port));
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return configure((SSLServerSocket) f.createServerSocket(port, backlog));
      }

      @Override
      public java.net.ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return configure((SSLServerSocket) f.createServerSocket(port, backlog, ifAddress));
      }
    }
  }
}
