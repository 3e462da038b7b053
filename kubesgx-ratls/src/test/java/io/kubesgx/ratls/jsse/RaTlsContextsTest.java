package io.kubesgx.ratls.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.testing.MutableClock;
import io.kubesgx.ratls.VerifiedRaTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code SSLContext} factories over plain {@code SSLSocket}s: protocols, client-authentication modes, {@code peer}. */
class RaTlsContextsTest {
  @TempDir Path dir;

  private SimEnclaves sim;
  private ExecutorService pool;

  @BeforeEach
  void setUp() throws Exception {
    sim = SimEnclaves.create(dir);
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void mutual_sslSocketRoundTrip_eachSideReadsThePeersMrEnclave() throws Exception {
    SSLContext server = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    RaTlsVerifier verifierOfB = sim.verifier(SimEnclaves.MRENCLAVE_B);
    SSLContext client = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)), verifierOfB);

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        String reply = exchange(s);
        assertEquals(SimEnclaves.MRENCLAVE_B, mrEnclave(RaTlsContexts.peer(s.getSession(), verifierOfB)));
        assertEquals(Optional.empty(), RaTlsContexts.peer(s.getSession(), sim.verifier(SimEnclaves.MRENCLAVE_A)),
            "another verifier's policy refuses B");
        assertEquals(SimEnclaves.MRENCLAVE_A, reply, "the server saw the client's MRENCLAVE");
        Optional<VerifiedRaTls> peer = RaTlsContexts.peer(s.getSession());
        assertEquals(SimEnclaves.MRENCLAVE_B, mrEnclave(peer), "the client sees the server's MRENCLAVE");
        assertEquals("TLSv1.3", s.getSession().getProtocol());
      }
      assertEquals(SimEnclaves.MRENCLAVE_A, seenByServer.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void mutual_defaultParameters_onlyTls13And12AndClientCertificateRequired() throws Exception {
    SSLContext ctx = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));

    assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, ctx.getDefaultSSLParameters().getProtocols());
    assertTrue(ctx.getDefaultSSLParameters().getNeedClientAuth());
    assertTrue(ctx.createSSLEngine().getNeedClientAuth());
    assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, ctx.createSSLEngine("localhost", 443).getEnabledProtocols());
    assertEquals(RaTlsContexts.SESSION_TIMEOUT_SECONDS, ctx.getServerSessionContext().getSessionTimeout());
  }

  @Test
  void mutual_tls12Only_handshakeSucceedsOverTls12() throws Exception {
    SSLContext server = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    SSLContext client = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)), sim.verifier(SimEnclaves.MRENCLAVE_B));

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        s.setEnabledProtocols(new String[] {"TLSv1.2"});
        assertEquals(SimEnclaves.MRENCLAVE_A, exchange(s));
        assertEquals("TLSv1.2", s.getSession().getProtocol());
      }
      assertEquals(SimEnclaves.MRENCLAVE_A, seenByServer.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void client_serverPresentsOrdinaryCertificate_refused() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(new KeyManager[] {ordinary.keyManager()}, null, null);
    SSLContext client = RaTlsContexts.client(sim.verifier(SimEnclaves.MRENCLAVE_B));

    try (SSLServerSocket ss = listen(server)) {
      pool.submit(() -> {
        try (Socket a = ss.accept()) {
          ((SSLSocket) a).startHandshake();
        }
        return null;
      });
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
        assertTrue(String.valueOf(e.getMessage()).contains("RA-TLS server refused at step"), e.getMessage());
      }
    }
  }

  @Test
  void serverVerifyingClients_ordinaryServerCertificateAndRaTlsClient_serverReadsClientMrEnclave() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    SSLContext server = RaTlsContexts.serverVerifyingClients(ordinary.keyManager(), sim.verifier(SimEnclaves.MRENCLAVE_A));
    // The enclave side of Gramine's secret provisioning: RA-TLS key, the server checked against a CA file.
    SSLContext client = SSLContext.getInstance("TLS");
    try (RaTlsKeyManager keys = RaTlsKeyManager.create(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)))) {
      client.init(new KeyManager[] {keys}, ordinary.trustManagers(), null);

      try (SSLServerSocket ss = listen(server)) {
        CompletableFuture<String> seenByServer = answerOnce(ss);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
          assertEquals(SimEnclaves.MRENCLAVE_A, exchange(s));
        }
        assertEquals(SimEnclaves.MRENCLAVE_A, seenByServer.get(20, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void serverVerifyingClients_requireAndClientWithoutCertificate_handshakeFails() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    SSLContext server = RaTlsContexts.serverVerifyingClients(ordinary.keyManager(), sim.verifier(SimEnclaves.MRENCLAVE_A));
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, ordinary.trustManagers(), null);

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        assertThrows(IOException.class, () -> exchange(s));
      }
      Exception e = assertThrows(Exception.class, () -> seenByServer.get(20, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof SSLHandshakeException, String.valueOf(e.getCause()));
    }
  }

  @Test
  void serverVerifyingClients_requestAndClientWithoutCertificate_connectsAndPeerIsEmpty() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    SSLContext server = RaTlsContexts.serverVerifyingClients(ordinary.keyManager(), sim.verifier(SimEnclaves.MRENCLAVE_A),
        RaTlsContexts.ClientAuth.REQUEST);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, ordinary.trustManagers(), null);

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        assertEquals("none", exchange(s));
      }
      assertEquals("none", seenByServer.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void serverVerifyingClients_clientAuthNone_rejected() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    RaTlsVerifier v = sim.verifier(SimEnclaves.MRENCLAVE_A);

    assertThrows(IllegalArgumentException.class,
        () -> RaTlsContexts.serverVerifyingClients(ordinary.keyManager(), v, RaTlsContexts.ClientAuth.NONE));
  }

  @Test
  void server_raTlsServerAndClientContext_clientSeesServerMrEnclave() throws Exception {
    SSLContext server = RaTlsContexts.server(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)));
    SSLContext client = RaTlsContexts.client(sim.verifier(SimEnclaves.MRENCLAVE_B));

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        assertEquals("none", exchange(s));
        assertEquals(SimEnclaves.MRENCLAVE_B, mrEnclave(RaTlsContexts.peer(s.getSession())));
      }
      assertEquals("none", seenByServer.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void peer_verifierClockPastCollateralExpiry_emptyForAnOpenConnection() throws Exception {
    MutableClock clientClock = new MutableClock(SimEnclaves.NOW);
    RaTlsVerifier serverVerifier = sim.verifier(RaTlsPolicy.builder().mrEnclave(SimEnclaves.MRENCLAVE_B).build(), clientClock);
    SSLContext server = RaTlsContexts.server(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)));
    SSLContext client = RaTlsContexts.client(serverVerifier);

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        assertEquals("none", exchange(s));
        assertEquals(SimEnclaves.MRENCLAVE_B, mrEnclave(RaTlsContexts.peer(s.getSession())));

        clientClock.advance(Duration.ofDays(45));

        assertEquals(Optional.empty(), RaTlsContexts.peer(s.getSession()), "the peer's collateral has expired");
      }
      seenByServer.get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void peer_secondConnectionOfTheSameClient_stillVerified() throws Exception {
    SSLContext server = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    SSLContext client = RaTlsContexts.mutual(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)), sim.verifier(SimEnclaves.MRENCLAVE_B));

    try (SSLServerSocket ss = listen(server)) {
      for (int i = 0; i < 2; i++) {
        // The second connection may resume the first session (the trust manager is then not asked);
        // peer() finds the verifier through the context either way.
        CompletableFuture<String> seenByServer = answerOnce(ss);
        // A host name (not only an address) lets the JDK client cache the session and offer it again.
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(host, ss.getLocalPort())) {
          assertEquals(SimEnclaves.MRENCLAVE_A, exchange(s), "connection " + i);
          assertEquals(SimEnclaves.MRENCLAVE_B, mrEnclave(RaTlsContexts.peer(s.getSession())), "connection " + i);
        }
        assertEquals(SimEnclaves.MRENCLAVE_A, seenByServer.get(20, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void peer_sessionOfAnotherContextWithoutRaTlsVerification_empty() throws Exception {
    OrdinaryServer ordinary = OrdinaryServer.create();
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(new KeyManager[] {ordinary.keyManager()}, null, null);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, ordinary.trustManagers(), null);

    try (SSLServerSocket ss = listen(server)) {
      CompletableFuture<String> seenByServer = answerOnce(ss);
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
        assertEquals("none", exchange(s));
        assertEquals(Optional.empty(), RaTlsContexts.peer(s.getSession()), "an ordinary server is no RA-TLS peer");
      }
      seenByServer.get(20, TimeUnit.SECONDS);
    }
  }

  private static SSLServerSocket listen(SSLContext ctx) throws IOException {
    ServerSocket ss = ctx.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
    ss.setSoTimeout((int) Duration.ofSeconds(20).toMillis());
    return (SSLServerSocket) ss;
  }

  /** Accepts one connection, reads one byte, answers with the client's MRENCLAVE (or {@code none}) and a newline. */
  private CompletableFuture<String> answerOnce(SSLServerSocket ss) {
    CompletableFuture<String> seen = new CompletableFuture<>();
    pool.submit(() -> {
      try (SSLSocket a = (SSLSocket) ss.accept()) {
        a.setSoTimeout(20_000);
        a.startHandshake();
        InputStream in = a.getInputStream();
        if (in.read() < 0) {
          throw new IOException("client closed");
        }
        String who = mrEnclave(RaTlsContexts.peer(a.getSession()));
        OutputStream out = a.getOutputStream();
        out.write((who + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        seen.complete(who);
      } catch (Exception | Error e) {
        seen.completeExceptionally(e);
      }
      return null;
    });
    return seen;
  }

  private static String exchange(SSLSocket s) throws IOException {
    s.setSoTimeout(20_000);
    s.getOutputStream().write('?');
    s.getOutputStream().flush();
    StringBuilder sb = new StringBuilder();
    InputStream in = s.getInputStream();
    for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
      sb.append((char) c);
    }
    return sb.toString();
  }

  private static String mrEnclave(Optional<VerifiedRaTls> v) {
    return v.map(p -> p.enclaveReport().mrEnclave().hex()).orElse("none");
  }

  /** An ordinary (non-RA-TLS) server certificate and a trust store that trusts it, made with Bouncy Castle. */
  private record OrdinaryServer(KeyStore keys, KeyStore trust) {
    static OrdinaryServer create() throws Exception {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      X500Name name = new X500Name("CN=localhost");
      Date from = Date.from(SimEnclaves.NOW.minus(Duration.ofDays(1)));
      Date to = Date.from(SimEnclaves.NOW.plus(Duration.ofDays(3650)));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          new JcaX509v3CertificateBuilder(name, BigInteger.TWO, from, to, name, kp.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      char[] pw = "test".toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, pw);
      ks.setKeyEntry("server", kp.getPrivate(), pw, new X509Certificate[] {cert});
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, pw);
      ts.setCertificateEntry("server", cert);
      return new OrdinaryServer(ks, ts);
    }

    KeyManager keyManager() throws Exception {
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(keys, "test".toCharArray());
      return f.getKeyManagers()[0];
    }

    javax.net.ssl.TrustManager[] trustManagers() throws Exception {
      TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(trust);
      return f.getTrustManagers();
    }
  }
}
