package io.kubesgx.collateralservice;

import io.kubesgx.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.collateralservice.CollateralResult.Source;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.enclave.Report;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.PlatformConfig;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.sim.pcs.SimPcsServer;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** End-to-end behaviour against the simulated PCS: fetched collateral verifies real simulated quotes. */
class CollateralServiceSimTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  /** The simulated PCS issues collateral at the start of the day, valid for 30 days. */
  static final Instant NEXT_UPDATE = Instant.parse("2026-12-28T00:00:00Z");

  @TempDir static Path shared;
  static final MutableClock CLOCK = new MutableClock(NOW);
  static SimPlatform platform;
  static SimPcsServer sharedServer;

  @TempDir Path tmp;
  final MutableClock clock = CLOCK;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void createPlatform() throws Exception {
    CryptoProviders.installPreferred();
    platform = SimPlatform.openOrCreate(shared.resolve("platform"), CLOCK);
    sharedServer = SimPcsServer.start(platform.directory(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), CLOCK);
  }

  @AfterAll
  static void stopServer() {
    sharedServer.close();
  }

  @BeforeEach
  void resetClock() {
    CLOCK.set(NOW);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /**
   * Starts a PCS for a copy of the shared platform that follows {@code scenario}; scenarios change
   * only the collateral, so the shared platform's quotes and root certificate belong to it.
   */
  SimPcsServer scenarioServer(Scenario scenario) throws Exception {
    Path dir = tmp.resolve("copy-" + scenario);
    Files.createDirectories(dir);
    try (var files = Files.list(platform.directory())) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, dir.resolve(f.getFileName().toString()));
        }
      }
    }
    PlatformConfig cfg = PlatformConfig.parse(Files.readString(dir.resolve("platform.json"))).withScenario(scenario);
    Files.writeString(dir.resolve("platform.json"), cfg.toJson());
    SimPcsServer s = SimPcsServer.start(dir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock);
    closeables.add(s);
    return s;
  }

  SimPcsServer server(SimPlatform p) throws Exception {
    SimPcsServer s = SimPcsServer.start(p.directory(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock);
    closeables.add(s);
    return s;
  }

  static URI base(SimPcsServer s) {
    return URI.create("http://127.0.0.1:" + s.port());
  }

  CollateralService service(CollateralService.Builder b) {
    CollateralService s = b.clock(clock).requestTimeout(Duration.ofSeconds(3)).build();
    closeables.add(s);
    return s;
  }

  static byte[] quote(SimPlatform p, int version) throws Exception {
    Report r = p.cpu().ereport(AppEnclave.newBuilder().build(), p.quotingEnclave().targetInfo(), Bytes.zeros(64));
    return p.quotingEnclave().quote(r, version);
  }

  static VerifiedQuote verify(SimPlatform p, byte[] quote, Collateral c, Instant at) throws Exception {
    return QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(p.rootCertificate()))))
        .build()
        .verify(quote, c, at);
  }

  SimPlatform platformWith(Scenario scenario, PckCa ca) throws Exception {
    PlatformConfig d = SimPlatform.defaults(NOW);
    PlatformConfig cfg = new PlatformConfig(NOW, d.fmspc(), d.pceId(), d.cpuSvn(), d.pceSvn(), d.qeSvn(), d.ppid(), ca, scenario);
    return SimPlatform.openOrCreate(tmp.resolve("p-" + scenario + "-" + ca.crlParameter()), clock, cfg);
  }

  @Test
  void collateralFor_upToDateQuotes_fetchCollateralThatVerifies() throws Exception {
    SimPcsServer s = sharedServer;
    CollateralService svc = service(CollateralService.builder().baseUrl(s.baseUri()));
    for (int version : new int[] {3, 4}) {
      byte[] q = quote(platform, version);
      CollateralResult r = svc.collateralFor(QuoteParser.parse(q));
      assertEquals(NEXT_UPDATE, r.nextUpdate());
      assertEquals(CollateralKey.of(io.kubesgx.quote.TeeType.SGX, PlatformConfig.DEFAULT_FMSPC, PckCa.PROCESSOR,
          UpdateType.STANDARD), r.key());
      assertEquals("UpToDate", verify(platform, q, r.collateral(), NOW).status().jsonName());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Scenario.class, names = {"OUT_OF_DATE", "CONFIGURATION_AND_SW_HARDENING_NEEDED"})
  void collateralFor_scenario_verifiesWithThatStatus(Scenario scenario) throws Exception {
    CollateralService svc = service(CollateralService.builder().baseUrl(base(scenarioServer(scenario))));
    byte[] q = quote(platform, 4);
    VerifiedQuote v = verify(platform, q, svc.collateralFor(QuoteParser.parse(q)).collateral(), NOW);
    assertEquals(scenario.platformLevelStatus(), v.status().jsonName());
  }

  @Test
  void collateralFor_revokedPck_collateralMakesVerifierRejectThePck() throws Exception {
    CollateralService svc = service(CollateralService.builder().baseUrl(base(scenarioServer(Scenario.REVOKED_PCK))));
    byte[] q = quote(platform, 3);
    Collateral c = svc.collateralFor(QuoteParser.parse(q)).collateral();
    AttestationException e = assertThrows(AttestationException.class, () -> verify(platform, q, c, NOW));
    assertEquals("PCK_REVOKED", e.reason().name());
  }

  @Test
  void collateralFor_platformCaPlatform_fetchesPlatformCrlAndVerifies() throws Exception {
    SimPlatform p = platformWith(Scenario.UP_TO_DATE, PckCa.PLATFORM);
    CountingHttpClient http = new CountingHttpClient();
    CollateralService svc = service(CollateralService.builder().baseUrl(base(server(p))).httpClient(http));
    byte[] q = quote(p, 4);
    CollateralResult r = svc.collateralFor(QuoteParser.parse(q));
    assertEquals(PckCa.PLATFORM, r.key().ca());
    assertTrue(http.requests.stream().anyMatch(u -> u.endsWith("/sgx/certification/v4/pckcrl?ca=platform&encoding=der")),
        http.requests.toString());
    assertEquals("UpToDate", verify(p, q, r.collateral(), NOW).status().jsonName());
  }

  @Test
  void collateralFor_pcsServesExpiredCollateral_throwsExpired() throws Exception {
    CollateralService svc = service(CollateralService.builder().baseUrl(base(scenarioServer(Scenario.EXPIRED_COLLATERAL))));
    CollateralException e = assertThrows(CollateralException.class,
        () -> svc.collateralFor(QuoteParser.parse(quote(platform, 3))));
    assertEquals(Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().contains("serves collateral for FMSPC 00515E000000"), e.getMessage());
  }

  @Test
  void collateralFor_repeatedHits_returnIdenticalInstances() throws Exception {
    CountingHttpClient http = new CountingHttpClient();
    CollateralService svc = service(CollateralService.builder().baseUrl(base(sharedServer)).httpClient(http));
    Quote q = QuoteParser.parse(quote(platform, 3));
    CollateralResult first = svc.collateralFor(q);
    CollateralResult second = svc.collateralFor(q);
    CollateralResult third = svc.collateralFor(first.key());
    assertEquals(Source.NETWORK, first.source());
    assertEquals(Source.MEMORY, second.source());
    assertSame(first.collateral(), second.collateral());
    assertSame(second, third);
    assertEquals(4, http.count());
  }

  /** The cache's subdirectory for collateral from the PCS at {@code base}. */
  static Path sourceDir(Path cache, java.net.URI base) {
    return cache.resolve(DiskCache.sourceDirectoryName(PcsProtocol.apiBase(base).toString()));
  }

  @Test
  void collateralFor_afterRestartWithPcsDown_servesFromDisk() throws Exception {
    Path cache = tmp.resolve("cache");
    SimPcsServer s = scenarioServer(Scenario.UP_TO_DATE);
    CollateralKey key;
    try (CollateralService first = CollateralService.builder().baseUrl(base(s)).cacheDirectory(cache).clock(clock).build()) {
      key = first.collateralFor(QuoteParser.parse(quote(platform, 3))).key();
    }
    s.close();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
    Path sourceDir = sourceDir(cache, base(s));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sourceDir)));
    Path file = sourceDir.resolve("sgx-00515E000000-processor-standard.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var files = Files.list(sourceDir)) {
      assertEquals(1, files.count(), "no temporary files left behind");
    }
    CountingHttpClient http = new CountingHttpClient();
    CollateralService second = service(CollateralService.builder().baseUrl(base(s)).cacheDirectory(cache).httpClient(http));
    CollateralResult r = second.collateralFor(key);
    assertEquals(Source.DISK, r.source());
    assertFalse(r.stale());
    assertEquals(NEXT_UPDATE, r.nextUpdate());
    CollateralResult again = second.collateralFor(key);
    assertEquals(Source.MEMORY, again.source());
    assertSame(r.collateral(), again.collateral());
    assertEquals(0, http.count());
    byte[] q = quote(platform, 3);
    assertEquals("UpToDate", verify(platform, q, r.collateral(), NOW).status().jsonName());
    assertEquals(Source.DISK, second.health().get(0).source().orElseThrow());
  }

  @Test
  void collateralFor_cacheFilledFromAnotherPcs_isNotServedAndFreshCollateralVerifies() throws Exception {
    Path cache = tmp.resolve("cache");
    SimPlatform other = SimPlatform.openOrCreate(tmp.resolve("other"), clock);
    byte[] otherQuote = quote(other, 3);
    try (CollateralService a = CollateralService.builder().baseUrl(base(sharedServer)).cacheDirectory(cache).clock(clock).build()) {
      a.collateralFor(QuoteParser.parse(quote(platform, 3)));
    }
    CollateralService b = service(CollateralService.builder().baseUrl(base(server(other))).cacheDirectory(cache));
    CollateralResult r = b.collateralFor(QuoteParser.parse(otherQuote));
    assertEquals(Source.NETWORK, r.source(), "collateral cached from another PCS must not be served");
    assertEquals("UpToDate", verify(other, otherQuote, r.collateral(), NOW).status().jsonName());
  }

  @Test
  void refetchAfterFailure_poisonedCachedEntry_replacedOnceThenRateLimited() throws Exception {
    Path cache = tmp.resolve("cache");
    SimPlatform other = SimPlatform.openOrCreate(tmp.resolve("other"), clock);
    byte[] otherQuote = quote(other, 3);
    // the same source name with other content stands for a PCS that served a bad body once
    try (CollateralService a = CollateralService.builder().baseUrl(base(sharedServer)).cacheSource("pcs").cacheDirectory(cache)
        .clock(clock).build()) {
      a.collateralFor(QuoteParser.parse(quote(platform, 3)));
    }
    CountingHttpClient http = new CountingHttpClient();
    CollateralService b = service(CollateralService.builder().baseUrl(base(server(other))).cacheSource("pcs").cacheDirectory(cache)
        .httpClient(http));
    CollateralResult poisoned = b.collateralFor(QuoteParser.parse(otherQuote));
    assertEquals(Source.DISK, poisoned.source());
    assertThrows(AttestationException.class, () -> verify(other, otherQuote, poisoned.collateral(), NOW));

    CollateralResult fresh = b.refetchAfterFailure(poisoned.key(), poisoned.collateral()).orElseThrow();
    assertEquals(Source.NETWORK, fresh.source());
    assertEquals("UpToDate", verify(other, otherQuote, fresh.collateral(), NOW).status().jsonName());
    assertSame(fresh.collateral(), b.collateralFor(poisoned.key()).collateral(), "the new set replaced the cached one");
    int fetched = http.count();
    assertEquals(1, b.refetchCount(poisoned.key()));

    // a caller still holding the replaced set gets the new one without another fetch
    assertSame(fresh.collateral(), b.refetchAfterFailure(poisoned.key(), poisoned.collateral()).orElseThrow().collateral());
    // hostile quotes failing against the good set: at most one refetch per key per interval
    for (int i = 0; i < 20; i++) {
      assertTrue(b.refetchAfterFailure(poisoned.key(), fresh.collateral()).isEmpty());
    }
    assertEquals(fetched, http.count(), "no PCS request within the refetch interval");
    clock.advance(Duration.ofSeconds(61));
    assertTrue(b.refetchAfterFailure(poisoned.key(), fresh.collateral()).isPresent());
    assertEquals(2, b.refetchCount(poisoned.key()));

    // the replacement reached the disk: a restart serves the good set
    CollateralService c = service(CollateralService.builder().baseUrl(base(server(other))).cacheSource("pcs").cacheDirectory(cache)
        .httpClient(new CountingHttpClient()));
    CollateralResult fromDisk = c.collateralFor(poisoned.key());
    assertEquals(Source.DISK, fromDisk.source());
    assertEquals("UpToDate", verify(other, otherQuote, fromDisk.collateral(), NOW).status().jsonName());
  }

  @Test
  void collateralFor_corruptDiskFile_isIgnoredAndRefetched() throws Exception {
    Path cache = sourceDir(tmp.resolve("cache"), base(sharedServer));
    Files.createDirectories(cache);
    Files.writeString(cache.resolve("sgx-00515E000000-processor-standard.json"), "{not json");
    CollateralService svc = service(CollateralService.builder().baseUrl(base(sharedServer)).cacheDirectory(tmp.resolve("cache")));
    assertEquals(1, svc.startupProblems().size(), svc.startupProblems().toString());
    CollateralResult r = svc.collateralFor(QuoteParser.parse(quote(platform, 3)));
    assertEquals(Source.NETWORK, r.source());
    assertTrue(Files.readString(cache.resolve("sgx-00515E000000-processor-standard.json")).startsWith("{\"format\""));
  }

  @Test
  void collateralFor_pastNextUpdateWithPcsDown_servesStaleWithWarningThenExpires() throws Exception {
    SimPcsServer s = scenarioServer(Scenario.UP_TO_DATE);
    CollateralService svc = service(CollateralService.builder().baseUrl(base(s)));
    Quote q = QuoteParser.parse(quote(platform, 3));
    CollateralResult fresh = svc.collateralFor(q);
    s.close();

    clock.set(NEXT_UPDATE.plus(Duration.ofHours(1)));
    CollateralResult stale = svc.collateralFor(q);
    assertTrue(stale.stale());
    assertSame(fresh.collateral(), stale.collateral());
    String w = stale.warning().orElseThrow();
    assertTrue(w.contains("passed its nextUpdate at " + NEXT_UPDATE), w);
    assertTrue(w.contains("is unreachable since " + NEXT_UPDATE.plus(Duration.ofHours(1))), w);
    FmspcHealth h = svc.health().get(0);
    assertTrue(h.stale());
    assertFalse(h.expired());
    assertTrue(h.lastError().orElseThrow().startsWith("PCS_UNREACHABLE"), h.toString());

    clock.set(NEXT_UPDATE.plus(Duration.ofHours(25)));
    CollateralException e = assertThrows(CollateralException.class, () -> svc.collateralFor(q));
    assertEquals(Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().startsWith("collateral for FMSPC 00515E000000"), e.getMessage());
    assertTrue(e.getMessage().contains("expired at " + NEXT_UPDATE), e.getMessage());
    assertTrue(e.getMessage().contains("the PCS at " + base(s) + " is unreachable since "
        + NEXT_UPDATE.plus(Duration.ofHours(1))), e.getMessage());
  }

  @Test
  void collateralFor_pastNextUpdateWithPcsUp_fetchesSynchronously() throws Exception {
    CollateralService svc = service(CollateralService.builder().baseUrl(base(sharedServer)));
    Quote q = QuoteParser.parse(quote(platform, 3));
    CollateralResult fresh = svc.collateralFor(q);
    clock.set(NEXT_UPDATE.plusSeconds(1));
    CollateralResult next = svc.collateralFor(q);
    assertEquals(Source.NETWORK, next.source());
    assertFalse(next.stale());
    assertNotSame(fresh.collateral(), next.collateral());
    assertTrue(next.nextUpdate().isAfter(NEXT_UPDATE));
  }

  @Test
  void collateralFor_withinRefreshAhead_refreshesInBackground() throws Exception {
    CountingHttpClient http = new CountingHttpClient();
    CollateralService svc = service(CollateralService.builder().baseUrl(base(sharedServer)).httpClient(http));
    Quote q = QuoteParser.parse(quote(platform, 3));
    CollateralResult fresh = svc.collateralFor(q);
    clock.set(NEXT_UPDATE.minus(Duration.ofMinutes(30)));
    CollateralResult during = svc.collateralFor(q);
    assertSame(fresh.collateral(), during.collateral());
    assertFalse(during.stale());
    assertTrue(svc.awaitBackgroundIdle(Duration.ofSeconds(10)));
    assertEquals(8, http.count(), http.requests.toString());
    CollateralResult after = svc.collateralFor(q);
    assertNotSame(fresh.collateral(), after.collateral());
    assertEquals(Source.MEMORY, after.source());
    assertEquals(Instant.parse("2027-01-26T00:00:00Z"), after.nextUpdate());
    assertSame(after, svc.collateralFor(q));
    assertEquals(8, http.count());
  }

  @Test
  void exportBundle_thenImportOffline_servesBundleThatVerifies() throws Exception {
    CollateralService online = service(CollateralService.builder().baseUrl(base(sharedServer)));
    byte[] qb = quote(platform, 4);
    Quote q = QuoteParser.parse(qb);
    CollateralKey key = online.keyFor(q);
    Path bundle = tmp.resolve("bundle.json");
    online.exportBundle(bundle, List.of(key));

    CollateralService offline = service(CollateralService.builder().offline(true).cacheDirectory(tmp.resolve("c2")));
    assertEquals(Reason.OFFLINE_MISS, assertThrows(CollateralException.class, () -> offline.collateralFor(q)).reason());
    assertEquals(1, offline.importBundle(bundle));
    CollateralResult r = offline.collateralFor(q);
    assertEquals(Source.BUNDLE, r.source());
    assertSame(r, offline.collateralFor(q));
    assertEquals(online.collateralFor(key).collateral(), r.collateral());
    assertEquals("UpToDate", verify(platform, qb, r.collateral(), NOW).status().jsonName());

    // Survives a restart as a bundle-origin disk entry.
    CollateralService restarted = service(CollateralService.builder().offline(true).cacheDirectory(tmp.resolve("c2")));
    assertEquals(Source.BUNDLE, restarted.collateralFor(q).source());

    // Re-export of the offline service writes an equivalent bundle (empty key list = everything cached).
    Path again = tmp.resolve("again.json");
    offline.exportBundle(again, List.of());
    CollateralService third = service(CollateralService.builder().offline(true));
    assertEquals(1, third.importBundle(again));
    assertEquals(r.collateral(), third.collateralFor(key).collateral());
  }

  @Test
  void collateralFor_offlinePastNextUpdate_servesStaleThenExpires() throws Exception {
    CollateralService online = service(CollateralService.builder().baseUrl(base(sharedServer)));
    CollateralKey key = online.keyFor(QuoteParser.parse(quote(platform, 3)));
    Path bundle = tmp.resolve("bundle.json");
    online.exportBundle(bundle, List.of(key));
    CollateralService offline = service(CollateralService.builder().offline(true));
    offline.importBundle(bundle);
    clock.set(NEXT_UPDATE.plusSeconds(60));
    CollateralResult r = offline.collateralFor(key);
    assertTrue(r.stale());
    assertTrue(r.warning().orElseThrow().contains("offline"), r.warning().orElseThrow());
    clock.set(NEXT_UPDATE.plus(Duration.ofDays(2)));
    assertEquals(Reason.EXPIRED, assertThrows(CollateralException.class, () -> offline.collateralFor(key)).reason());
    assertEquals(Reason.BUNDLE_INVALID, assertThrows(CollateralException.class, () -> offline.importBundle(bundle)).reason());
  }

  /** Prints the figures quoted in the module report; asserts only loose bounds (shared CI machines). */
  @Test
  void collateralFor_warmHits_returnCachedInstanceQuickly() throws Exception {
    Quote q = QuoteParser.parse(quote(platform, 4));
    sharedServer.port();
    try (CollateralService warmup = CollateralService.builder().baseUrl(base(sharedServer)).clock(clock).build()) {
      warmup.collateralFor(q);
    }
    CollateralService svc = service(CollateralService.builder().baseUrl(base(sharedServer)));
    long t0 = System.nanoTime();
    CollateralResult first = svc.collateralFor(q);
    long cold = System.nanoTime() - t0;
    CollateralKey key = first.key();
    CollateralResult last = first;
    int n = 300_000;
    for (int i = 0; i < n; i++) {
      last = svc.collateralFor(key);
    }
    t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      last = svc.collateralFor(key);
    }
    double keyHitNs = (System.nanoTime() - t0) / (double) n;
    assertSame(first.collateral(), last.collateral());
    int m = 20_000;
    for (int i = 0; i < m; i++) {
      last = svc.collateralFor(q);
    }
    t0 = System.nanoTime();
    for (int i = 0; i < m; i++) {
      last = svc.collateralFor(q);
    }
    double quoteHitNs = (System.nanoTime() - t0) / (double) m;
    assertSame(first.collateral(), last.collateral());
    System.out.printf("collateral-service figures: cold fetch from sim PCS %.1f ms; warm hit by key %.0f ns;"
        + " warm hit by quote %.0f ns%n", cold / 1e6, keyHitNs, quoteHitNs);
    assertTrue(keyHitNs < 50_000, "key hit " + keyHitNs + " ns");
    assertTrue(quoteHitNs < 500_000, "quote hit " + quoteHitNs + " ns");
  }
}
