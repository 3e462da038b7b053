package io.kubesgx.collateralservice;

import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.collateralservice.CollateralResult.Source;
import io.kubesgx.collateralservice.FakePcs.Resp;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TeeType;
import io.kubesgx.testing.QuoteBuilder;
import io.kubesgx.testing.TestPki;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Protocol, error, concurrency, rate-limit and TDX behaviour against a small fake PCS. */
class CollateralServiceFakePcsTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  static final String FMSPC = "00906ED50000";
  static final CollateralKey SGX_KEY = CollateralKey.of(TeeType.SGX, FMSPC, PckCa.PROCESSOR, UpdateType.STANDARD);

  final MutableClock clock = new MutableClock(NOW);
  final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  FakePcs fake(boolean tdx) throws Exception {
    FakePcs f = FakePcs.start(FMSPC, tdx, NOW);
    closeables.add(f);
    return f;
  }

  CollateralService service(URI base) {
    return service(CollateralService.builder().baseUrl(base));
  }

  CollateralService service(CollateralService.Builder b) {
    CollateralService s = b.clock(clock).requestTimeout(Duration.ofSeconds(3)).build();
    closeables.add(s);
    return s;
  }

  CollateralException failure(FakePcs f, String path, Resp resp) {
    f.overrides.put(path, r -> resp);
    CollateralService s = service(f.base());
    return assertThrows(CollateralException.class, () -> s.collateralFor(SGX_KEY));
  }

  @Test
  void collateralFor_validResponses_requestsV4PathsAndParses() throws Exception {
    FakePcs f = fake(false);
    CollateralResult r = service(f.base()).collateralFor(SGX_KEY);
    assertEquals(Source.NETWORK, r.source());
    assertFalse(r.stale());
    assertEquals(FMSPC.toLowerCase(java.util.Locale.ROOT), r.collateral().tcbInfo().tcbInfo().fmspc().hex());
    assertTrue(r.collateral().rootCaCrl().isPresent());
    assertEquals(Instant.parse("2026-12-28T00:00:00Z"), r.nextUpdate());
    assertEquals(1, f.count("/sgx/certification/v4/tcb?fmspc=00906ED50000&update=standard"));
    assertEquals(1, f.count("/sgx/certification/v4/qe/identity?update=standard"));
    assertEquals(1, f.count("/sgx/certification/v4/pckcrl?ca=processor&encoding=der"));
    assertEquals(1, f.count("/sgx/certification/v4/rootcacrl"));
    assertEquals(4, f.requests.size());
  }

  @Test
  void collateralFor_apiKeyConfigured_isNeverSentOnCollateralEndpoints() throws Exception {
    FakePcs f = fake(false);
    CollateralService s = service(CollateralService.builder().baseUrl(f.base()).apiKey("secret-key"));
    s.collateralFor(SGX_KEY);
    assertEquals("secret-key", s.apiKey().orElseThrow());
    for (FakePcs.Req r : f.requests) {
      assertTrue(r.headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Ocp-Apim-Subscription-Key")), r.toString());
    }
  }

  @Test
  void collateralFor_tcbInfo404_throwsUnknownFmspcWithIntelHeaders() throws Exception {
    FakePcs f = fake(false);
    CollateralException e = failure(f, "/sgx/certification/v4/tcb",
        Resp.of(404, "", "Error-Code", "FmspcNotFound", "Error-Message", "No TCB info for FMSPC", "Request-ID", "abc123"));
    assertEquals(Reason.UNKNOWN_FMSPC, e.reason());
    assertTrue(e.getMessage().startsWith("PCS " + f.base() + "/sgx/certification/v4/tcb?fmspc=00906ED50000"), e.getMessage());
    assertTrue(e.getMessage().contains("returned 404 for TCB info of FMSPC 00906ED50000"), e.getMessage());
    assertTrue(e.getMessage().contains("Error-Code: FmspcNotFound"), e.getMessage());
    assertTrue(e.getMessage().contains("Error-Message: No TCB info for FMSPC"), e.getMessage());
    assertTrue(e.getMessage().contains("Request-ID: abc123"), e.getMessage());
    assertTrue(e.getMessage().contains("the FMSPC is unknown to this PCS"), e.getMessage());
  }

  @Test
  void collateralFor_badRequest400_throwsPcsError() throws Exception {
    CollateralException e = failure(fake(false), "/sgx/certification/v4/qe/identity",
        Resp.of(400, "", "Error-Code", "InvalidRequestSyntax"));
    assertEquals(Reason.PCS_ERROR, e.reason());
    assertTrue(e.getMessage().contains("returned 400 for QE identity"), e.getMessage());
    assertTrue(e.getMessage().contains("Error-Code: InvalidRequestSyntax"), e.getMessage());
  }

  @Test
  void collateralFor_serverError500_throwsPcsError() throws Exception {
    CollateralException e = failure(fake(false), "/sgx/certification/v4/pckcrl", Resp.of(500, "boom"));
    assertEquals(Reason.PCS_ERROR, e.reason());
    assertTrue(e.getMessage().contains("returned 500 for PCK CRL of the processor CA"), e.getMessage());
    assertTrue(e.getMessage().contains("the PCS is failing"), e.getMessage());
  }

  @Test
  void collateralFor_pcsThrottles429_throwsRateLimited() throws Exception {
    CollateralException e = failure(fake(false), "/sgx/certification/v4/tcb", Resp.of(429, "", "Retry-After", "30"));
    assertEquals(Reason.RATE_LIMITED, e.reason());
    assertTrue(e.getMessage().contains("Retry-After: 30"), e.getMessage());
  }

  @Test
  void collateralFor_garbageBody_throwsMalformedResponse() throws Exception {
    FakePcs f = fake(false);
    CollateralException e = failure(f, "/sgx/certification/v4/tcb",
        Resp.of(200, "<html>proxy login</html>", "TCB-Info-Issuer-Chain", "x", "Request-ID", "r-1"));
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("/sgx/certification/v4/tcb?fmspc="), e.getMessage());
    assertTrue(e.getMessage().contains("Request-ID: r-1"), e.getMessage());
  }

  @Test
  void collateralFor_garbageRootCrl_namesTheRootCrlUri() throws Exception {
    FakePcs f = fake(false);
    CollateralException e = failure(f, "/sgx/certification/v4/rootcacrl", Resp.of(200, "not a crl"));
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("/sgx/certification/v4/rootcacrl"), e.getMessage());
  }

  @Test
  void collateralFor_oversizeBody_throwsMalformedResponse() throws Exception {
    byte[] big = new byte[CollateralService.MAX_RESPONSE_BYTES + 1];
    java.util.Arrays.fill(big, (byte) 'a');
    CollateralException e = failure(fake(false), "/sgx/certification/v4/qe/identity",
        new Resp(200, Map.of("SGX-Enclave-Identity-Issuer-Chain", "x"), big));
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("larger than 1048576 bytes"), e.getMessage());
  }

  @Test
  void collateralFor_missingIssuerChainHeader_throwsMalformedResponse() throws Exception {
    FakePcs f = fake(false);
    FakePcs.Resp ok = FakePcs.Resp.of(200, "{}");
    CollateralException e = failure(f, "/sgx/certification/v4/tcb", ok);
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("without the TCB-Info-Issuer-Chain header"), e.getMessage());
  }

  @Test
  void collateralFor_tcbInfoOfAnotherFmspc_throwsMalformedResponse() throws Exception {
    FakePcs f = fake(false);
    CollateralService s = service(f.base());
    CollateralKey other = CollateralKey.of(TeeType.SGX, "00A067110000", PckCa.PROCESSOR, UpdateType.STANDARD);
    CollateralException e = assertThrows(CollateralException.class, () -> s.collateralFor(other));
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("the TCB info is for FMSPC 00906ED50000, not 00A067110000"), e.getMessage());
  }

  @Test
  void collateralFor_platformCaKeyButProcessorCrl_throwsMalformedResponse() throws Exception {
    FakePcs f = fake(false);
    CollateralKey platform = CollateralKey.of(TeeType.SGX, FMSPC, PckCa.PLATFORM, UpdateType.STANDARD);
    CollateralException e = assertThrows(CollateralException.class, () -> service(f.base()).collateralFor(platform));
    assertEquals(Reason.MALFORMED_RESPONSE, e.reason());
    assertTrue(e.getMessage().contains("not the platform CA"), e.getMessage());
    assertEquals(1, f.count("/sgx/certification/v4/pckcrl?ca=platform&encoding=der"));
  }

  @Test
  void collateralFor_connectionRefused_throwsPcsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CollateralService s = service(URI.create("http://127.0.0.1:" + port));
    CollateralException e = assertThrows(CollateralException.class, () -> s.collateralFor(SGX_KEY));
    assertEquals(Reason.PCS_UNREACHABLE, e.reason());
    assertTrue(e.getMessage().contains("is unreachable (connection refused)"), e.getMessage());
    // The failure is remembered for retryBackoff: no new attempt, same reason.
    CollateralException again = assertThrows(CollateralException.class, () -> s.collateralFor(SGX_KEY));
    assertEquals(Reason.PCS_UNREACHABLE, again.reason());
    assertTrue(again.getMessage().contains("remembered failure"), again.getMessage());
    FmspcHealth h = s.health().get(0);
    assertTrue(h.lastError().orElseThrow().startsWith("PCS_UNREACHABLE"), h.toString());
    assertTrue(h.expired());
  }

  @Test
  void collateralFor_errorThenBackoffElapsed_retriesAndRecovers() throws Exception {
    FakePcs f = fake(false);
    f.overrides.put("/sgx/certification/v4/tcb", r -> Resp.of(503, ""));
    CollateralService s = service(f.base());
    assertEquals(Reason.PCS_ERROR, assertThrows(CollateralException.class, () -> s.collateralFor(SGX_KEY)).reason());
    f.overrides.clear();
    clock.advance(Duration.ofSeconds(31));
    CollateralResult r = s.collateralFor(SGX_KEY);
    assertEquals(Source.NETWORK, r.source());
    FmspcHealth h = s.health().get(0);
    assertTrue(h.lastError().isEmpty());
    assertEquals(NOW.plusSeconds(31), h.lastSuccess().orElseThrow());
  }

  @Test
  void collateralFor_concurrentColdCallers_shareOneFetch() throws Exception {
    FakePcs f = fake(false);
    CountDownLatch release = new CountDownLatch(1);
    f.overrides.put("/sgx/certification/v4/tcb", r -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    });
    CollateralService s = service(f.base());
    int n = 16;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<CollateralResult>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> s.collateralFor(SGX_KEY)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (f.count("/sgx/certification/v4/tcb") == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(200);
      release.countDown();
      CollateralResult first = results.get(0).get(10, TimeUnit.SECONDS);
      for (Future<CollateralResult> r : results) {
        assertSame(first.collateral(), r.get(10, TimeUnit.SECONDS).collateral());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(4, f.requests.size(), f.requests.toString());
  }

  @Test
  void collateralFor_rateLimitExhausted_throwsRateLimitedUntilRefill() throws Exception {
    FakePcs f = fake(false);
    CollateralService s = service(CollateralService.builder().baseUrl(f.base()).rateLimit(0.5, 4));
    s.collateralFor(SGX_KEY);
    CollateralKey early = CollateralKey.of(TeeType.SGX, FMSPC, PckCa.PROCESSOR, UpdateType.EARLY);
    CollateralException e = assertThrows(CollateralException.class, () -> s.collateralFor(early));
    assertEquals(Reason.RATE_LIMITED, e.reason());
    assertTrue(e.getMessage().contains("possible in 8000 ms"), e.getMessage());
    assertEquals(4, f.requests.size());
    // Cached keys are unaffected by the empty bucket.
    assertEquals(Source.MEMORY, s.collateralFor(SGX_KEY).source());
    clock.advance(Duration.ofSeconds(8));
    assertEquals(Source.NETWORK, s.collateralFor(early).source());
    assertEquals(1, f.count("/sgx/certification/v4/tcb?fmspc=00906ED50000&update=early"));
  }

  @Test
  void builder_burstBelowOneSet_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> CollateralService.builder().rateLimit(1, 3));
    assertThrows(IllegalArgumentException.class, () -> CollateralService.builder().rateLimit(0, 10));
    assertThrows(IllegalStateException.class, () -> CollateralService.builder().build());
  }

  @Test
  void collateralFor_tdxQuote_usesTdxPathsAndSgxCrlPaths() throws Exception {
    FakePcs f = fake(true);
    DcapPki pki = TestPki.standard();
    byte[] quoteBytes = QuoteBuilder.tdxV4(pki, pki.issuePck(TestPki.pckSpec().fmspc(FMSPC.toLowerCase(java.util.Locale.ROOT)).build()))
        .build();
    Quote q = QuoteParser.parse(quoteBytes);
    CollateralService s = service(CollateralService.builder().baseUrl(f.base()).updateType(UpdateType.EARLY));
    CollateralKey key = s.keyFor(q);
    assertEquals(CollateralKey.of(TeeType.TDX, FMSPC, PckCa.PROCESSOR, UpdateType.EARLY), key);
    CollateralResult r = s.collateralFor(q);
    assertTrue(r.collateral().tcbInfo().tcbInfo().isTdx());
    assertEquals("TD_QE", r.collateral().qeIdentity().identity().id());
    assertEquals(1, f.count("/tdx/certification/v4/tcb?fmspc=00906ED50000&update=early"));
    assertEquals(1, f.count("/tdx/certification/v4/qe/identity?update=early"));
    assertEquals(1, f.count("/sgx/certification/v4/pckcrl?ca=processor&encoding=der"));
    assertEquals(1, f.count("/sgx/certification/v4/rootcacrl"));
    assertSame(r.collateral(), s.collateralFor(q).collateral());
  }

  @Test
  void collateralFor_ppidOnlyQuote_throwsNoPckCertificate() throws Exception {
    DcapPki pki = TestPki.standard();
    byte[] quoteBytes = QuoteBuilder.sgxV3(pki, pki.issuePck(TestPki.pckSpec().build()))
        .certificationData(1, io.kubesgx.common.Bytes.zeros(16 + 16 + 2 + 2)).build();
    Quote q = QuoteParser.parse(quoteBytes);
    CollateralService s = service(URI.create("http://127.0.0.1:9"));
    CollateralException e = assertThrows(CollateralException.class, () -> s.collateralFor(q));
    assertEquals(Reason.NO_PCK_CERTIFICATE, e.reason());
    assertTrue(e.getMessage().contains("PPID_CLEARTEXT"), e.getMessage());
  }

  @Test
  void collateralFor_garbagePckChainInQuote_throwsMalformedQuote() throws Exception {
    DcapPki pki = TestPki.standard();
    byte[] quoteBytes = QuoteBuilder.sgxV3(pki, pki.issuePck(TestPki.pckSpec().build()))
        .certificationData(5, io.kubesgx.common.Bytes.of("-----BEGIN CERTIFICATE-----\nAAAA\n".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII))).build();
    Quote q = QuoteParser.parse(quoteBytes);
    CollateralService s = service(URI.create("http://127.0.0.1:9"));
    assertEquals(Reason.MALFORMED_QUOTE, assertThrows(CollateralException.class, () -> s.collateralFor(q)).reason());
  }

  @Test
  void collateralFor_pastNextUpdateWhilePcsErrors_servesStaleWithTheError() throws Exception {
    FakePcs f = fake(false);
    CollateralService s = service(f.base());
    CollateralResult fresh = s.collateralFor(SGX_KEY);
    FmspcHealth ok = s.health().get(0);
    assertEquals(NOW, ok.lastSuccess().orElseThrow());
    assertEquals(Source.NETWORK, ok.source().orElseThrow());
    assertFalse(ok.stale());
    f.overrides.put("/sgx/certification/v4/qe/identity", r -> Resp.of(500, "", "Request-ID", "r-500"));
    clock.set(fresh.nextUpdate().plusSeconds(10));
    CollateralResult stale = s.collateralFor(SGX_KEY);
    assertTrue(stale.stale());
    assertSame(fresh.collateral(), stale.collateral());
    String w = stale.warning().orElseThrow();
    assertTrue(w.contains("is failing since " + fresh.nextUpdate().plusSeconds(10)), w);
    assertTrue(w.contains("returned 500 for QE identity"), w);
    assertTrue(w.contains("Request-ID: r-500"), w);
    // Within retryBackoff the failure is not retried; the stale set is served with the same cause.
    int before = f.requests.size();
    assertTrue(s.collateralFor(SGX_KEY).stale());
    assertEquals(before, f.requests.size());
    // The PCS answers again after the backoff, but (this fake being static) with the same old
    // data: it is served from the network, still marked stale, and the warning blames the PCS data.
    f.overrides.clear();
    clock.advance(Duration.ofSeconds(30));
    CollateralResult recovered = s.collateralFor(SGX_KEY);
    assertEquals(Source.NETWORK, recovered.source());
    assertTrue(recovered.stale());
    assertSame(fresh.collateral(), recovered.collateral());
    assertTrue(recovered.warning().orElseThrow().contains("serves collateral for " + SGX_KEY + " whose nextUpdate"),
        recovered.warning().orElseThrow());
    assertTrue(s.health().get(0).lastError().isEmpty());
  }

  @Test
  void builder_rootCaCrlUrl_isUsedForTheRootCrl() throws Exception {
    FakePcs f = fake(false);
    CollateralService s = service(CollateralService.builder().baseUrl(f.base())
        .rootCaCrlUrl(URI.create(f.base() + "/sgx/certification/v4/rootcacrl?mirror=1")));
    s.collateralFor(SGX_KEY);
    assertEquals(1, f.count("/sgx/certification/v4/rootcacrl?mirror=1"));
    assertThrows(IllegalArgumentException.class, () -> CollateralService.builder().rootCaCrlUrl(URI.create("ftp://x/crl")));
  }
}
