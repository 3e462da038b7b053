package io.kubesgx.sdk.attestation;

import io.kubesgx.sdk.internal.HttpSupport;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sdk.testing.SimFixtures;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttestationClientTest {
  private FakeMaaServer maa;
  private AttestationClient client;

  @BeforeEach
  void setUp() throws Exception {
    maa = new FakeMaaServer(Clock.systemUTC(), FakeMaaServer.Keys.RSA_1, FakeMaaServer.Keys.RSA_1);
    client = clientBuilder().build();
  }

  @AfterEach
  void tearDown() {
    maa.close();
  }

  private AttestationClient.Builder clientBuilder() {
    return AttestationClient.newBuilder(URI.create(maa.issuer() + "/"))
        .insecureAllowPlainHttp()
        .initialBackoff(Duration.ofMillis(10))
        .requestTimeout(Duration.ofSeconds(5));
  }

  /** A simulated quote whose REPORTDATA binds {@code runtimeData}. */
  private static byte[] quoteFor(RuntimeData runtimeData) throws Exception {
    return SimQuoteProvider.create(SimFixtures.platform(), SimFixtures.APP).quote(runtimeData.reportData());
  }

  @Test
  void attestSgxEnclave_validQuote_sendsMaaRequestAndReturnsToken() throws Exception {
    RuntimeData rd = RuntimeData.binary("public key".getBytes(StandardCharsets.UTF_8));
    byte[] quote = quoteFor(rd);

    AttestationToken token = client.attestSgxEnclave(quote, rd, Optional.empty(), Optional.empty(), Optional.empty());

    FakeMaaServer.Request req = maa.requests.get(0);
    assertEquals("POST", req.method());
    assertEquals("/attest/SgxEnclave", req.path());
    assertEquals("api-version=2022-08-01", req.query());
    assertEquals("application/json", req.contentType());
    JsonObject body = Json.parseObject(req.body());
    assertEquals(java.util.Set.of("quote", "runtimeData"), body.members().keySet());
    assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(quote), body.string("quote"));
    assertEquals("Binary", body.object("runtimeData").string("dataType"));
    assertEquals("cHVibGljIGtleQ", body.object("runtimeData").string("data"));
    assertEquals("RS256", token.algorithm());
    assertFalse(token.isUnsigned());
    assertEquals(maa.issuer(), token.unverifiedClaims().getIssuer());
    assertEquals("cHVibGljIGtleQ", token.unverifiedClaims().getStringClaim("x-ms-sgx-ehd"));
  }

  @Test
  void attest_provider_bindsSha256OfRuntimeDataIntoReportData() throws Exception {
    byte[] runtime = "{\"jwk\":{\"kty\":\"EC\"}}".getBytes(StandardCharsets.UTF_8);
    QuoteProvider provider = SimQuoteProvider.create(SimFixtures.platform(), SimFixtures.APP);

    AttestationToken token = client.attest(provider, runtime, RuntimeData.DataType.JSON);

    byte[] reportData = SimFixtures.reportDataOf(
        Base64.getUrlDecoder().decode(Json.parseObject(maa.requests.get(0).body()).string("quote")));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(runtime), Arrays.copyOf(reportData, 32));
    assertArrayEquals(new byte[32], Arrays.copyOfRange(reportData, 32, 64));
    assertEquals("JSON", Json.parseObject(maa.requests.get(0).body()).object("runtimeData").string("dataType"));
    assertEquals(Map.of("jwk", Map.of("kty", "EC")), token.unverifiedClaims().getJSONObjectClaim("x-ms-runtime"));
  }

  @Test
  void attestSgxEnclave_optionalFields_sentAsMaaFields() throws Exception {
    RuntimeData rd = RuntimeData.binary(new byte[] {1, 2, 3});

    AttestationToken token = client.attestSgxEnclave(quoteFor(rd), rd, Optional.of(new byte[] {(byte) 0xfb, (byte) 0xff}),
        Optional.of("n-123"), Optional.of("version=1.0; authorizationrules { => permit(); };"));

    JsonObject body = Json.parseObject(maa.requests.get(0).body());
    assertEquals("-_8", body.object("initTimeData").string("data"));
    assertEquals("Binary", body.object("initTimeData").string("dataType"));
    assertEquals("n-123", body.string("nonce"));
    assertTrue(body.string("draftPolicyForAttestation").startsWith("version=1.0"));
    assertTrue(token.isUnsigned());
    assertEquals("n-123", token.unverifiedClaims().getStringClaim("nonce"));
  }

  @Test
  void attestOpenEnclave_report_postsReportField() throws Exception {
    RuntimeData rd = RuntimeData.binary(new byte[] {9});
    byte[] oeReport = new byte[16];
    byte[] quote = quoteFor(rd);
    byte[] report = Arrays.copyOf(oeReport, 16 + quote.length);
    System.arraycopy(quote, 0, report, 16, quote.length);

    client.attestOpenEnclave(report, rd, Optional.empty(), Optional.empty(), Optional.empty());

    FakeMaaServer.Request req = maa.requests.get(0);
    assertEquals("/attest/OpenEnclave", req.path());
    assertEquals(java.util.Set.of("report", "runtimeData"), Json.parseObject(req.body()).members().keySet());
  }

  @Test
  void attestSgxEnclave_runtimeDataNotBound_throwsWithStatusCodeAndMessage() throws Exception {
    RuntimeData bound = RuntimeData.binary(new byte[] {1});
    byte[] quote = quoteFor(bound);

    AttestationClientException e = assertThrows(AttestationClientException.class, () -> client.attestSgxEnclave(
        quote, RuntimeData.binary(new byte[] {2}), Optional.empty(), Optional.empty(), Optional.empty()));

    assertEquals(400, e.httpStatus());
    assertEquals("InvalidParameter", e.code());
    assertTrue(e.getMessage().contains("runtime data hash does not match"), e.getMessage());
    assertEquals(1, maa.requests.size());
  }

  @Test
  void attestSgxEnclave_serverError_notRetried() {
    maa.enqueue(500, Map.of(), FakeMaaServer.error("InternalError", "boom"));

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertEquals(500, e.httpStatus());
    assertEquals("InternalError", e.code());
    assertEquals(1, maa.requests.size());
  }

  @Test
  void attestSgxEnclave_nonJsonErrorBody_reportsStatusAndExcerpt() {
    maa.enqueue(502, Map.of("Content-Type", "text/html"), "<html>bad gateway</html>");

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertEquals(502, e.httpStatus());
    assertEquals("", e.code());
    assertTrue(e.getMessage().contains("bad gateway"), e.getMessage());
  }

  @Test
  void attestSgxEnclave_429WithRetryAfter_waitsAndRetries() throws Exception {
    maa.enqueue(429, Map.of("Retry-After", "1"), FakeMaaServer.error("TooManyRequests", "slow down"));
    RuntimeData rd = RuntimeData.binary(new byte[] {4});
    byte[] quote = quoteFor(rd);
    long start = System.nanoTime();

    AttestationToken token = client.attestSgxEnclave(quote, rd, Optional.empty(), Optional.empty(), Optional.empty());

    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(2, maa.requests.size());
    assertTrue(elapsedMs >= 950, "Retry-After: 1 was not honoured, retried after " + elapsedMs + " ms");
    assertEquals("RS256", token.algorithm());
  }

  @Test
  void attestSgxEnclave_503WithPastRetryAfterDate_retriesAtOnce() throws Exception {
    maa.enqueue(503, Map.of("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"), FakeMaaServer.error("Busy", "busy"));
    RuntimeData rd = RuntimeData.binary(new byte[] {5});

    client.attestSgxEnclave(quoteFor(rd), rd, Optional.empty(), Optional.empty(), Optional.empty());

    assertEquals(2, maa.requests.size());
  }

  @Test
  void attestSgxEnclave_503Repeated_givesUpAfterMaxAttempts() {
    for (int i = 0; i < 5; i++) {
      maa.enqueue(503, Map.of(), FakeMaaServer.error("ServiceUnavailable", "busy"));
    }
    client = clientBuilder().maxAttempts(3).build();

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertEquals(503, e.httpStatus());
    assertEquals("ServiceUnavailable", e.code());
    assertEquals(3, maa.requests.size());
  }

  @Test
  void attestSgxEnclave_retryAfterBeyondMaximum_failsWithoutWaiting() {
    maa.enqueue(429, Map.of("Retry-After", "3600"), FakeMaaServer.error("TooManyRequests", "come back later"));
    long start = System.nanoTime();

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertEquals(429, e.httpStatus());
    assertEquals(1, maa.requests.size());
    assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
  }

  @Test
  void attestSgxEnclave_connectionRefused_retriesThenThrowsStatusZero() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    AttestationClient c = AttestationClient.newBuilder(URI.create("http://127.0.0.1:" + port))
        .insecureAllowPlainHttp().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build();

    AttestationClientException e = assertThrows(AttestationClientException.class,
        () -> c.attestSgxEnclave(new byte[1], RuntimeData.binary(new byte[0]), Optional.empty(), Optional.empty(),
            Optional.empty()));

    assertEquals(0, e.httpStatus());
    assertInstanceOf(ConnectException.class, e.getCause());
    assertTrue(e.getMessage().contains("after 3 attempt"), e.getMessage());
  }

  @Test
  void attestSgxEnclave_answerWithoutToken_throws() {
    maa.enqueue(200, Map.of(), "{\"notatoken\":1}");

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertTrue(e.getMessage().contains("no usable token"), e.getMessage());
  }

  @Test
  void build_plainHttpWithoutOptIn_throws() {
    assertThrows(IllegalArgumentException.class,
        () -> AttestationClient.newBuilder(URI.create("http://attest.example")).build());
    assertThrows(IllegalArgumentException.class, () -> AttestationClient.newBuilder(URI.create("https://a.example"))
        .maxAttempts(0));
  }

  @Test
  void runtimeData_invalidJson_rejected() {
    assertThrows(IllegalArgumentException.class, () -> RuntimeData.json("{not json"));
  }

  @Test
  void runtimeData_reportData_isSha256ThenZeros() throws Exception {
    byte[] rd = RuntimeData.binary(new byte[] {1, 2}).reportData();

    assertEquals(64, rd.length);
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2}), Arrays.copyOf(rd, 32));
    assertArrayEquals(new byte[32], Arrays.copyOfRange(rd, 32, 64));
  }

  @Test
  void attestSgxEnclave_serverTricklesBody_failsAtAbsoluteDeadline() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      Thread trickler = new Thread(() -> {
        try (java.net.Socket s = server.accept()) {
          java.io.InputStream in = s.getInputStream();
          int matched = 0;
          while (matched < 4) { // read up to the end of the request headers
            int b = in.read();
            if (b < 0) {
              return;
            }
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
          }
          java.io.OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          while (true) { // then one byte every 100 ms: about 3 hours for the whole body
            Thread.sleep(100);
            out.write(' ');
            out.flush();
          }
        } catch (java.io.IOException | InterruptedException e) {
          // the client gave up and closed the connection
        }
      });
      trickler.setDaemon(true);
      trickler.start();
      AttestationClient c = AttestationClient.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort()))
          .insecureAllowPlainHttp().maxAttempts(1).requestTimeout(Duration.ofMillis(500)).build();

      AttestationClientException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          Duration.ofSeconds(20), () -> assertThrows(AttestationClientException.class,
              () -> c.attestSgxEnclave(new byte[1], RuntimeData.binary(new byte[0]), Optional.empty(),
                  Optional.empty(), Optional.empty())));

      assertEquals(0, e.httpStatus());
      assertTrue(e.getMessage().contains("did not answer completely within 500 ms"), e.getMessage());
      trickler.interrupt();
    }
  }

  @Test
  void attestSgxEnclave_oversizedAnswer_throwsWithoutBufferingIt() {
    maa.enqueue(200, Map.of(), "x".repeat(HttpSupport.MAX_BODY + 1));

    AttestationClientException e = assertThrows(AttestationClientException.class, this::attestAnything);

    assertTrue(e.getMessage().contains("larger than " + HttpSupport.MAX_BODY), e.getMessage());
  }

  private void attestAnything() throws AttestationClientException {
    client.attestSgxEnclave(new byte[500], RuntimeData.binary(new byte[] {1}), Optional.empty(), Optional.empty(),
        Optional.empty());
  }
}
