package io.kubesgx.keybroker.secretprov;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test client for Gramine's secret-provisioning protocol, written from the wire description of
 * Gramine v1.9 ({@code secret_prov_attest.c}), not from the server in this module: after a
 * mutual-TLS handshake in which it presents its RA-TLS certificate and verifies the server's ordinary
 * certificate against a CA (like {@code SECRET_PROVISION_CA_CHAIN_PATH}, host name checked), it
 * writes the 34 ASCII bytes {@code SECRET_PROVISION_RA_TLS_REQUEST_V1} plus a NUL, reads 37 + 4
 * bytes, requires them to start with {@code SECRET_PROVISION_RA_TLS_RESPONSE_V1:} plus a NUL, takes
 * the next 4 bytes as a big-endian unsigned size and reads that many secret bytes.
 */
final class GramineWireClient {
  /** 34 ASCII characters and the C string's NUL. */
  static final byte[] REQUEST = "SECRET_PROVISION_RA_TLS_REQUEST_V1\0".getBytes(StandardCharsets.US_ASCII);
  /** 36 ASCII characters and the C string's NUL. */
  static final byte[] RESPONSE = "SECRET_PROVISION_RA_TLS_RESPONSE_V1:\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * What the client saw.
   *
   * @param handshakeFailed the TLS handshake (or the first read after it, TLS 1.3) failed with an alert
   * @param received every byte received after the handshake (header and secret), possibly none
   * @param secret the secret when a well-formed response arrived in full, else null
   * @param endedCleanly the server closed the connection (EOF) after what it sent
   */
  record Answer(boolean handshakeFailed, byte[] received, byte[] secret, boolean endedCleanly) {
    boolean nothingReceived() {
      return received.length == 0 && secret == null;
    }
  }

  private final SSLContext ctx;

  private GramineWireClient(SSLContext ctx) {
    this.ctx = ctx;
  }

  /**
   * A client presenting {@code key}/{@code cert} (null: no client certificate) and trusting only {@code ca}.
   */
  static GramineWireClient create(PrivateKey key, X509Certificate cert, X509Certificate ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (key != null) {
      char[] pw = "test".toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("ratls", key, pw, new X509Certificate[] {cert});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return new GramineWireClient(ctx);
  }

  /** Runs the protocol against 127.0.0.1:{@code port} (host name {@code localhost}, as Gramine's default). */
  Answer fetch(int port) throws IOException {
    return exchange(port, REQUEST, false);
  }

  /**
   * Sends {@code request} instead of the protocol's request; with {@code endAfterRequest} the client
   * then closes its sending side (close_notify), as a client that stops early does.
   */
  Answer exchange(int port, byte[] request, boolean endAfterRequest) throws IOException {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      plain.setSoTimeout(20_000);
      SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "localhost", port, true);
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS"); // the host part of SECRET_PROVISION_SERVERS is checked
      s.setSSLParameters(p);
      try {
        s.startHandshake();
      } catch (javax.net.ssl.SSLException e) {
        return new Answer(true, new byte[0], null, false);
      }
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      try {
        out.write(request);
        out.flush();
        if (endAfterRequest) {
          s.shutdownOutput();
        }
      } catch (IOException e) {
        return new Answer(true, new byte[0], null, false); // TLS 1.3: the server's refusal arrives after our Finished
      }
      byte[] header;
      try {
        header = in.readNBytes(RESPONSE.length + 4);
      } catch (javax.net.ssl.SSLException e) {
        return new Answer(true, new byte[0], null, false);
      }
      if (header.length < RESPONSE.length + 4 || !Arrays.equals(Arrays.copyOf(header, RESPONSE.length), RESPONSE)) {
        return new Answer(false, header, null, endsNow(in));
      }
      long size = ((header[37] & 0xffL) << 24) | ((header[38] & 0xffL) << 16) | ((header[39] & 0xffL) << 8) | (header[40] & 0xffL);
      if (size > 1 << 20) {
        return new Answer(false, header, null, false);
      }
      byte[] secret = in.readNBytes((int) size);
      byte[] all = Arrays.copyOf(header, header.length + secret.length);
      System.arraycopy(secret, 0, all, header.length, secret.length);
      return new Answer(false, all, secret.length == size ? secret : null, endsNow(in));
    }
  }

  private static boolean endsNow(InputStream in) {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return false;
    }
  }
}
