package io.kubesgx.keybroker.secretprov;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.keybroker.TestPki;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.kbs.KbsOptions;
import io.kubesgx.ratls.RaTlsCredential;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's secret-provisioning listener against {@link GramineWireClient} (written from
 * Gramine's wire description): simulated enclaves presenting RA-TLS certificates from {@link
 * RaTlsIssuer} get exactly their secret, everyone else gets no secret byte, and every attempt with a
 * client certificate is in the audit chain.
 */
class SecretProvServerTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef";
  private static final Bytes MRSIGNER = AppEnclave.DEFAULT_MRSIGNER;
  private static final Bytes MRENCLAVE = Bytes.of("kubesgx secret-prov enclave".getBytes(StandardCharsets.US_ASCII)).sha256();

  @TempDir Path dir;
  private TestPki pki;
  private SimPlatform platform;
  private KeyBrokerServer server;
  private HttpClient http;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(SecretProvOptions sp) throws Exception {
    pki = TestPki.create(dir);
    Path platformDir = dir.resolve("platform");
    platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    http = pki.httpClientBuilder().build();
    server = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of("http://127.0.0.1:9"))
            .withTls(pki.cert, pki.key), Clock.systemUTC(), http,
        KbsOptions.defaults().withInsecureSimulatedPlatform(platformDir), Optional.of(sp));
  }

  private void start(SecretProvOptions sp, io.kubesgx.keybroker.http.ServerLimits limits) throws Exception {
    pki = TestPki.create(dir);
    Path platformDir = dir.resolve("platform");
    platform = SimPlatform.openOrCreate(platformDir, Clock.systemUTC());
    http = pki.httpClientBuilder().build();
    server = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of("http://127.0.0.1:9"))
            .withTls(pki.cert, pki.key).withLimits(limits), Clock.systemUTC(), http,
        KbsOptions.defaults().withInsecureSimulatedPlatform(platformDir), Optional.of(sp));
  }

  private void start() throws Exception {
    start(SecretProvOptions.defaults("127.0.0.1", 0).withLimits(Duration.ofSeconds(8), 8, 2, 8));
  }

  private int port() {
    return server.secretProvPort().getAsInt();
  }

  /** Puts a secret tagged for secret provisioning whose policy wants {@code mrSigner} and no debug enclave. */
  private void putSecret(String name, String value, String contentType, Bytes mrSigner, boolean enabled) throws Exception {
    String policy = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + server.baseUrl() + "/kbs/v0\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + mrSigner.hex() + "\"}]}]}";
    String body = "{\"value\":\"" + value + "\",\"contentType\":\"" + contentType + "\",\"attributes\":{\"enabled\":" + enabled
        + "},\"tags\":{\"" + SecretProvisioner.TAG + "\":\"true\"},\"release_policy\":{\"data\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(policy.getBytes(StandardCharsets.UTF_8)) + "\"}}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/secrets/" + name + "?api-version=7.5"))
        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private RaTlsCredential credential(boolean debug, Bytes mrSigner) throws Exception {
    SimQuoteProvider p = SimQuoteProvider.create(platform, AppEnclave.newBuilder().mrEnclave(MRENCLAVE).mrSigner(mrSigner)
        .debug(debug).product(1, 2).build());
    return RaTlsIssuer.builder().quoteProvider(p).build().issue();
  }

  private GramineWireClient client(boolean debug, Bytes mrSigner) throws Exception {
    RaTlsCredential c = credential(debug, mrSigner);
    return GramineWireClient.create(c.privateKey(), c.certificate(), pki.ca);
  }

  /**
   * Returns the audit lines of secret-provisioning attempts once there is at least one (a refusal
   * can be audited just after the client saw its connection end).
   */
  private List<String> audit() throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<String> lines = server.store().auditLines(1000).stream().filter(l -> l.contains("\"action\":\"secret-prov\"")).toList();
      if (!lines.isEmpty() || System.nanoTime() > end) {
        return lines;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void fetch_matchingEnclaveStringSecret_getsUtf8AndNulThenClose() throws Exception {
    start();
    putSecret("app-config", "correct horse battery staple", "text/plain", MRSIGNER, true);
    GramineWireClient.Answer a = client(false, MRSIGNER).fetch(port());
    assertFalse(a.handshakeFailed());
    assertArrayEquals("correct horse battery staple\0".getBytes(StandardCharsets.UTF_8), a.secret());
    assertTrue(a.endedCleanly(), "the server closes after the secret");
    List<String> audit = audit();
    assertEquals(1, audit.size(), audit.toString());
    String line = audit.get(0);
    assertTrue(line.contains("\"key\":\"app-config\"") && line.contains("\"result\":\"ok\"")
        && line.contains("mrsigner " + MRSIGNER.hex()) && line.contains("mrenclave " + MRENCLAVE.hex()), line);
    assertFalse(line.contains("correct horse"), "no secret in the audit log");
  }

  @Test
  void fetch_matchingEnclaveBinaryKey_gets16RawBytes() throws Exception {
    start();
    byte[] key = new byte[16];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * 17 + 3);
    }
    putSecret("fs-key", Base64.getEncoder().encodeToString(key), "application/octet-stream", MRSIGNER, true);
    GramineWireClient.Answer a = client(false, MRSIGNER).fetch(port());
    assertArrayEquals(key, a.secret());
    assertEquals(37 + 4 + 16, a.received().length);
    assertTrue(a.endedCleanly());
  }

  @Test
  void fetch_wrongMrSigner_noSecretByteAndAuditedAsNoMatch() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    Bytes other = Bytes.of("another signer".getBytes(StandardCharsets.US_ASCII)).sha256();
    GramineWireClient.Answer a = client(false, other).fetch(port());
    assertFalse(a.handshakeFailed(), "the certificate verified; the release policy refused");
    assertTrue(a.nothingReceived(), "no response byte");
    assertTrue(a.endedCleanly(), "closed by the server");
    String line = audit().get(0);
    assertTrue(line.contains("\"result\":\"denied\"") && line.contains("outcome no-matching-secret")
        && line.contains("x-ms-sgx-mrsigner") && line.contains("mrsigner " + other.hex()), line);
  }

  @Test
  void fetch_debugEnclave_handshakeRefusedAndAuditedWithRaTlsStep() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    GramineWireClient.Answer a = client(true, MRSIGNER).fetch(port());
    assertTrue(a.handshakeFailed(), "refused during the handshake, as Gramine's server does");
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome ra-tls-rejected") && line.contains("VERIFY_ENCLAVE_ATTRS") && line.contains("AT_4"), line);
    assertTrue(line.contains("claimed (not verified) mrenclave " + MRENCLAVE.hex()) && line.contains("debug true"), line);
  }

  @Test
  void fetch_noClientCertificate_handshakeRefusedNothingSent() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    GramineWireClient.Answer a = GramineWireClient.create(null, null, pki.ca).fetch(port());
    assertTrue(a.handshakeFailed());
    assertTrue(a.nothingReceived());
  }

  @Test
  void exchange_requestWithoutNul_nothingSentAuditedAsBadRequest() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    byte[] noNul = Arrays.copyOf(GramineWireClient.REQUEST, 34);
    GramineWireClient.Answer a = client(false, MRSIGNER).exchange(port(), noNul, true);
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome bad-request") && line.contains("after 34 of the 35"), line);
  }

  @Test
  void exchange_wrongPrefix_nothingSentAuditedAsBadRequest() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    byte[] v2 = "SECRET_PROVISION_RA_TLS_REQUEST_V2\0".getBytes(StandardCharsets.US_ASCII);
    GramineWireClient.Answer a = client(false, MRSIGNER).exchange(port(), v2, false);
    assertTrue(a.nothingReceived());
    assertTrue(a.endedCleanly());
    String line = audit().get(0);
    assertTrue(line.contains("outcome bad-request") && line.contains("not SECRET_PROVISION_RA_TLS_REQUEST_V1"), line);
  }

  @Test
  void fetch_twoMatchingSecrets_refusedAsAmbiguousNamingBoth() throws Exception {
    start();
    putSecret("first", "a", "text/plain", MRSIGNER, true);
    putSecret("second", "b", "text/plain", MRSIGNER, true);
    GramineWireClient.Answer a = client(false, MRSIGNER).fetch(port());
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome ambiguous") && line.contains("first") && line.contains("second"), line);
  }

  @Test
  void fetch_disabledSecret_neverSent() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, false);
    GramineWireClient.Answer a = client(false, MRSIGNER).fetch(port());
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome no-matching-secret") && line.contains("disabled"), line);
  }

  @Test
  void silentClient_cutAtTheDeadline() throws Exception {
    start(SecretProvOptions.defaults("127.0.0.1", 0).withLimits(Duration.ofSeconds(1), 8, 2, 8));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 5_000);
      s.setSoTimeout(30_000); // far beyond the deadline: an end before this comes from the server
      InputStream in = s.getInputStream();
      byte[] got;
      try {
        got = in.readAllBytes(); // returns only when the server ends the connection
      } catch (java.net.SocketException e) {
        got = new byte[0]; // reset: ended too
      }
      boolean onlyAlerts = got.length % 7 == 0 && got.length <= 14;
      for (int i = 0; i < got.length && onlyAlerts; i += 7) {
        onlyAlerts = got[i] == 21; // a plaintext TLS alert record (user_canceled, close_notify), 7 bytes each
      }
      assertTrue(onlyAlerts, "at most TLS alert records, then the end: " + Arrays.toString(got));
    }
  }

  @Test
  void verifiedClientSilentAfterHandshake_cutAtDeadlineAndAudited() throws Exception {
    start(SecretProvOptions.defaults("127.0.0.1", 0).withLimits(Duration.ofSeconds(3), 8, 2, 8));
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    GramineWireClient.Answer a = client(false, MRSIGNER).exchange(port(), new byte[0], false);
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome deadline"), line);
  }

  @Test
  void connectionsOverTheCap_closedAtOnce() throws Exception {
    start(SecretProvOptions.defaults("127.0.0.1", 0).withLimits(Duration.ofSeconds(20), 1, 1, 1));
    try (Socket first = new Socket(); Socket second = new Socket()) {
      first.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 5_000);
      second.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 5_000);
      second.setSoTimeout(10_000); // well below the 20 s deadline: an end now is the cap, not the deadline
      int r;
      try {
        r = second.getInputStream().read();
      } catch (java.net.SocketException e) {
        r = -1;
      }
      assertEquals(-1, r);
      first.setSoTimeout(300);
      assertThrows(java.net.SocketTimeoutException.class, () -> first.getInputStream().read(),
          "the first connection is still open, waiting for its handshake");
    }
  }

  @Test
  void connectionsOverTheAddressRateLimit_closedAtOnce() throws Exception {
    io.kubesgx.keybroker.http.RateLimits oneAddressBurstOfTwo = new io.kubesgx.keybroker.http.RateLimits(
        io.kubesgx.keybroker.http.RateLimits.Rate.perSecond(1000), io.kubesgx.keybroker.http.RateLimits.Rate.perSecond(500),
        new io.kubesgx.keybroker.http.RateLimits.Rate(0.001, 2), 100);
    start(SecretProvOptions.defaults("127.0.0.1", 0).withLimits(Duration.ofSeconds(20), 8, 4, 8),
        io.kubesgx.keybroker.http.ServerLimits.defaults().withRateLimits(oneAddressBurstOfTwo));
    try (Socket a = connect(); Socket b = connect(); Socket c = connect()) {
      c.setSoTimeout(10_000);
      int r;
      try {
        r = c.getInputStream().read();
      } catch (java.net.SocketException e) {
        r = -1;
      }
      assertEquals(-1, r, "the third connection from this address is over the bucket");
      a.setSoTimeout(300);
      assertThrows(java.net.SocketTimeoutException.class, () -> a.getInputStream().read(), "the first two are still served");
    }
  }

  private Socket connect() throws Exception {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 5_000);
    return s;
  }

  @Test
  void start_withoutTls_refusedNamingTheOptions() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyBrokerServer.start(
        KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of("http://127.0.0.1:9")), Clock.systemUTC(),
        HttpClient.newHttpClient(), KbsOptions.defaults(), Optional.of(SecretProvOptions.defaults("127.0.0.1", 0))));
    assertTrue(e.getMessage().contains("--tls-cert and --tls-key"), e.getMessage());
    assertFalse(java.nio.file.Files.exists(dir.resolve("state")), "nothing created");
  }

  @Test
  void fetch_certificateFromUntrustedPlatform_refusedAtVerifyExternal() throws Exception {
    start();
    putSecret("app-config", "v", "text/plain", MRSIGNER, true);
    SimPlatform foreign = SimPlatform.openOrCreate(dir.resolve("foreign-platform"), Clock.systemUTC());
    SimQuoteProvider p = SimQuoteProvider.create(foreign, AppEnclave.newBuilder().mrEnclave(MRENCLAVE).mrSigner(MRSIGNER)
        .debug(false).product(1, 2).build());
    RaTlsCredential c = RaTlsIssuer.builder().quoteProvider(p).build().issue();
    GramineWireClient.Answer a = GramineWireClient.create(c.privateKey(), c.certificate(), pki.ca).fetch(port());
    assertTrue(a.handshakeFailed());
    assertTrue(a.nothingReceived());
    String line = audit().get(0);
    assertTrue(line.contains("outcome ra-tls-rejected") && line.contains("VERIFY_EXTERNAL"), line);
  }

  @Test
  void close_listenerStopsAcceptingAndReleasesThePort() throws Exception {
    start();
    int port = port();
    server.close();
    server = null;
    assertThrows(ConnectException.class, () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
      }
    });
  }
}
