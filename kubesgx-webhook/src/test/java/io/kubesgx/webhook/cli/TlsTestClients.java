package io.kubesgx.webhook.cli;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Test helper: TLS client sockets that accept any server certificate (we inspect it instead). */
final class TlsTestClients {
  private TlsTestClients() {}

  static SSLSocket connect(int port) throws Exception {
    X509TrustManager any = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {any}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(30_000);
    s.startHandshake();
    return s;
  }

  /** Returns the leaf certificate the server presents on a new connection. */
  static X509Certificate servedLeaf(int port) throws Exception {
    try (SSLSocket s = connect(port)) {
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }
}
