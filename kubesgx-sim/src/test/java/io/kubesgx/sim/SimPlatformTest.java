package io.kubesgx.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SimPlatformTest {
  static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir static Path tmp;
  static SimPlatform platform;
  static QuoteVerifier simVerifier;

  @BeforeAll
  static void createPlatform() throws Exception {
    CryptoProviders.installPreferred();
    platform = SimPlatform.openOrCreate(tmp.resolve("p1"), CLOCK);
    simVerifier =
        QuoteVerifier.newBuilder()
            .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate()))))
            .build();
  }

  static byte[] quote(SimPlatform p, Bytes reportData, int version) throws Exception {
    SimEnclave app = AppEnclave.newBuilder().mrEnclave(Bytes.of(new byte[32]).sha256()).product(7, 3).build();
    Report r = p.cpu().ereport(app, p.quotingEnclave().targetInfo(), reportData);
    return p.quotingEnclave().quote(r, version);
  }

  static Bytes rd(int seed) {
    byte[] b = new byte[64];
    b[0] = (byte) seed;
    b[63] = 0x55;
    return Bytes.of(b);
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void quote_eachScenario_verifierReturnsTheScenariosVerdict(Scenario s) throws Exception {
    Expectations e = Expectations.of(s);
    Collateral c = platform.collateral(s, NOW).toCollateral();
    for (int version : new int[] {3, 4}) {
      byte[] q = quote(platform, rd(version), version);
      if (e.accepted()) {
        VerifiedQuote v = simVerifier.verify(q, c, NOW);
        assertEquals(e.status(), v.status().jsonName(), s + " v" + version);
        assertEquals(e.advisoryIds(), v.advisoryIds().stream().sorted().toList(), s + " v" + version);
        assertTrue(v.isSimulated());
        assertEquals(rd(version), v.reportData());
      } else {
        AttestationException ex = assertThrows(AttestationException.class, () -> simVerifier.verify(q, c, NOW));
        assertEquals(e.rejection(), ex.reason(), s + " v" + version + ": " + ex.getMessage());
      }
    }
  }

  @Test
  void quote_intelProductionAnchor_isRejectedAsUntrustedRoot() throws Exception {
    byte[] q = quote(platform, rd(1), 3);
    Collateral c = platform.collateral(Scenario.UP_TO_DATE, NOW).toCollateral();
    QuoteVerifier intel = QuoteVerifier.newBuilder().build();
    AttestationException e = assertThrows(AttestationException.class, () -> intel.verify(q, c, NOW));
    assertEquals(Reason.UNTRUSTED_ROOT, e.reason());
    assertTrue(platform.rootCertificate().getSubjectX500Principal().getName().contains("SIMULATED"));
    assertNotEquals(TrustAnchor.INTEL_ROOT_SUBJECT, platform.rootCertificate().getSubjectX500Principal());
  }

  @Test
  void quote_anotherPlatformsRoot_isRejected() throws Exception {
    SimPlatform other = SimPlatform.openOrCreate(tmp.resolve("other"), CLOCK);
    byte[] q = quote(other, rd(2), 3);
    Collateral c = other.collateral(Scenario.UP_TO_DATE, NOW).toCollateral();
    AttestationException e = assertThrows(AttestationException.class, () -> simVerifier.verify(q, c, NOW));
    assertEquals(Reason.UNTRUSTED_ROOT, e.reason());
    assertNotEquals(platform.quotingEnclave().attestationKey(), other.quotingEnclave().attestationKey());
    // Every platform's QE carries Intel's identity; the platform shows in its keys and root only.
    assertEquals(platform.qeEnclave().mrSigner(), other.qeEnclave().mrSigner());
    assertNotEquals(platform.rootCertificateDer(), other.rootCertificateDer());
  }

  @Test
  void quote_tcbRecoveryPreviousEvaluationNumber_isUpToDate() throws Exception {
    byte[] q = quote(platform, rd(3), 3);
    SimCollateral before = SimCollateral.of(platform, Scenario.TCB_RECOVERY, NOW, SimCollateral.BASE_EVALUATION_DATA_NUMBER);
    VerifiedQuote v = simVerifier.verify(q, before.toCollateral(), NOW);
    assertEquals("UpToDate", v.status().jsonName());
    assertEquals(17, v.tcbEvaluationDataNumber());
    VerifiedQuote after = simVerifier.verify(q, platform.collateral(Scenario.TCB_RECOVERY, NOW).toCollateral(), NOW);
    assertEquals(18, after.tcbEvaluationDataNumber());
    assertEquals("OutOfDate", after.status().jsonName());
    assertThrows(IllegalArgumentException.class, () -> SimCollateral.of(platform, Scenario.UP_TO_DATE, NOW, 18L));
  }

  @Test
  void quote_parsesWithTheExpectedStructure() throws Exception {
    byte[] q3 = quote(platform, rd(4), 3);
    byte[] q4 = quote(platform, rd(4), 4);
    assertEquals(platform.quotingEnclave().quoteSize(3), q3.length);
    assertEquals(platform.quotingEnclave().quoteSize(4), q4.length);
    Quote p3 = QuoteParser.parse(q3);
    Quote p4 = QuoteParser.parse(q4);
    assertEquals(3, p3.header().version());
    assertEquals(4, p4.header().version());
    assertEquals(platform.config().qeSvn(), p3.header().qeSvn());
    assertEquals(platform.config().pceSvn(), p3.header().pceSvn());
    assertEquals(5, p3.signatureData().certificationData().type());
    assertEquals(5, p4.signatureData().certificationData().type());
    assertEquals(java.util.OptionalInt.of(6), p4.signatureData().outerCertificationType());
    assertEquals(platform.quotingEnclave().attestationKey(), p3.signatureData().attestationKey());
    assertEquals(SimPlatform.QE_AUTH_DATA, p3.signatureData().qeAuthData());
  }

  @Test
  void quote_reportTargetedElsewhere_isRefused() throws Exception {
    SimEnclave app = AppEnclave.newBuilder().build();
    TargetInfo other = app.targetInfo();
    Report r = platform.cpu().ereport(app, other, rd(5));
    QuoteException e = assertThrows(QuoteException.class, () -> platform.quotingEnclave().quote(r, 3));
    assertEquals(QuoteException.Reason.INVALID_REPORT, e.reason());
  }

  @Test
  void quote_reportFromAnotherPlatform_isRefused() throws Exception {
    SimPlatform other = SimPlatform.openOrCreate(tmp.resolve("other2"), CLOCK);
    SimEnclave app = AppEnclave.newBuilder().build();
    Report r = other.cpu().ereport(app, platform.quotingEnclave().targetInfo(), rd(6));
    QuoteException e = assertThrows(QuoteException.class, () -> platform.quotingEnclave().quote(r, 3));
    assertEquals(QuoteException.Reason.INVALID_REPORT, e.reason());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 5})
  void quote_unsupportedVersion_isRefused(int version) throws Exception {
    SimEnclave app = AppEnclave.newBuilder().build();
    Report r = platform.cpu().ereport(app, platform.quotingEnclave().targetInfo(), rd(7));
    QuoteException e = assertThrows(QuoteException.class, () -> platform.quotingEnclave().quote(r, version));
    assertEquals(QuoteException.Reason.UNSUPPORTED_VERSION, e.reason());
  }

  @Test
  void quote_tamperedReportBody_isRefused() throws Exception {
    SimEnclave app = AppEnclave.newBuilder().build();
    byte[] raw = platform.cpu().ereport(app, platform.quotingEnclave().targetInfo(), rd(8)).toBytes().toByteArray();
    raw[320] ^= 1;
    QuoteException e = assertThrows(QuoteException.class, () -> platform.quotingEnclave().quote(Bytes.of(raw), 3));
    assertEquals(QuoteException.Reason.INVALID_REPORT, e.reason());
    QuoteException m = assertThrows(QuoteException.class, () -> platform.quotingEnclave().quote(Bytes.of(new byte[431]), 3));
    assertEquals(QuoteException.Reason.MALFORMED_REPORT, m.reason());
  }

  @Test
  void openOrCreate_reopened_keepsIdentityAndKeys() throws Exception {
    SimPlatform again = SimPlatform.open(platform.directory(), CLOCK);
    assertEquals(platform.rootCertificateDer(), again.rootCertificateDer());
    assertEquals(platform.quotingEnclave().attestationKey(), again.quotingEnclave().attestationKey());
    assertEquals(platform.pck().der(), again.pck().der());
    assertEquals(platform.quotingEnclave().targetInfo(), again.quotingEnclave().targetInfo());
    // A report made by the first instance is quoted by the reopened one.
    SimEnclave app = AppEnclave.newBuilder().build();
    Report r = platform.cpu().ereport(app, again.quotingEnclave().targetInfo(), rd(9));
    byte[] q = again.quotingEnclave().quote(r, 3);
    assertTrue(simVerifier.verify(q, again.collateral(Scenario.UP_TO_DATE, NOW).toCollateral(), NOW).isSimulated());
  }

  @Test
  void openOrCreate_secretsAreOwnerOnly() throws Exception {
    Set<PosixFilePermission> fuses = Files.getPosixFilePermissions(platform.directory().resolve("fuses.json"));
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), fuses);
    Set<PosixFilePermission> ak =
        Files.getPosixFilePermissions(platform.directory().resolve("qe3-attestation-key.sealed"));
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), ak);
    assertEquals(PosixFilePermission.OTHERS_READ,
        Files.getPosixFilePermissions(platform.directory().resolve("platform.json")).stream()
            .filter(x -> x == PosixFilePermission.OTHERS_READ).findFirst().orElse(null));
    assertFalse(Files.readString(platform.directory().resolve("qe3-attestation-key.sealed"), java.nio.charset.StandardCharsets.ISO_8859_1)
        .contains("private"));
  }

  @Test
  void open_sealedKeyFromAnotherPlatform_failsWithAClearError() throws Exception {
    SimPlatform a = SimPlatform.openOrCreate(tmp.resolve("a"), CLOCK);
    SimPlatform b = SimPlatform.openOrCreate(tmp.resolve("b"), CLOCK);
    Files.copy(b.directory().resolve("qe3-attestation-key.sealed"), a.directory().resolve("qe3-attestation-key.sealed"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> SimPlatform.open(a.directory(), CLOCK));
    assertTrue(e.getMessage().contains("another platform"), e.getMessage());
  }

  @Test
  void open_missingOrDamagedPlatform_failsWithAClearError() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    java.nio.file.NoSuchFileException e =
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SimPlatform.open(empty, CLOCK));
    assertTrue(e.getMessage().contains("platform.json"));
    Path bad = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(bad.resolve("platform.json"), "{\"format\":\"kubesgx-sim-platform/1\",\"created\":\"x\"}");
    assertThrows(MalformedInputException.class, () -> SimPlatform.open(bad, CLOCK));
  }

  @Test
  void withScenario_isStoredAndServed() throws Exception {
    SimPlatform p = SimPlatform.openOrCreate(tmp.resolve("switch"), CLOCK);
    SimPlatform s = p.withScenario(Scenario.OUT_OF_DATE);
    assertEquals(Scenario.OUT_OF_DATE, SimPlatform.open(p.directory(), CLOCK).scenario());
    assertEquals(Scenario.OUT_OF_DATE, s.collateral().scenario());
    assertEquals(p.rootCertificateDer(), s.rootCertificateDer());
  }

  @Test
  void collateral_sameDay_isByteIdentical() throws Exception {
    SimCollateral a = platform.collateral(Scenario.OUT_OF_DATE, NOW);
    SimCollateral b = platform.collateral(Scenario.OUT_OF_DATE, NOW.plusSeconds(3600));
    assertEquals(a.toDcapQvlJson(), b.toDcapQvlJson());
    assertArrayEquals(a.pckCrlDer(), b.pckCrlDer());
    // and round-trips through the dcap-qvl JSON loader
    Collateral c = CollateralLoader.fromDcapQvlJson(a.toDcapQvlJson());
    VerifiedQuote v = simVerifier.verify(quote(platform, rd(10), 3), c, NOW);
    assertEquals("OutOfDate", v.status().jsonName());
  }

  @Test
  void openOrCreate_platformCaLeaf_quotesVerifyAndRevocationUsesThePlatformCrl() throws Exception {
    PlatformConfig d = SimPlatform.defaults(NOW);
    SimPlatform multi = SimPlatform.openOrCreate(tmp.resolve("multi"), CLOCK,
        new PlatformConfig(NOW, d.fmspc(), d.pceId(), d.cpuSvn(), d.pceSvn(), d.qeSvn(), d.ppid(), PckCa.PLATFORM,
            Scenario.UP_TO_DATE));
    QuoteVerifier v = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(multi.rootCertificate())))).build();
    byte[] q = quote(multi, rd(11), 3);
    VerifiedQuote ok = v.verify(q, multi.collateral(Scenario.UP_TO_DATE, NOW).toCollateral(), NOW);
    assertEquals(PckCa.PLATFORM, ok.pckCa());
    assertTrue(ok.pck().platformInstanceId().isPresent());
    AttestationException e = assertThrows(AttestationException.class,
        () -> v.verify(q, multi.collateral(Scenario.REVOKED_PCK, NOW).toCollateral(), NOW));
    assertEquals(Reason.PCK_REVOKED, e.reason());
    assertEquals(PckCa.PLATFORM, SimPlatform.open(multi.directory(), CLOCK).config().pckCa());
  }

  @Test
  void openOrCreate_concurrentFirstUse_createsOnePlatform() throws Exception {
    Path dir = tmp.resolve("race");
    java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<SimPlatform>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        fs.add(ex.submit(() -> SimPlatform.openOrCreate(dir, CLOCK)));
      }
      Bytes first = fs.get(0).get().quotingEnclave().attestationKey();
      for (java.util.concurrent.Future<SimPlatform> f : fs) {
        assertEquals(first, f.get().quotingEnclave().attestationKey());
      }
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void scenario_parse_acceptsCliAndEnumSpellings() {
    assertEquals(Scenario.REVOKED_PCK, Scenario.parse("Revoked PCK"));
    assertEquals(Scenario.REVOKED_PCK, Scenario.parse("Revoked"));
    assertEquals(Scenario.TCB_RECOVERY, Scenario.parse("TCB recovery"));
    assertEquals(Scenario.EXPIRED_COLLATERAL, Scenario.parse("expired collateral"));
    assertEquals(Scenario.OUT_OF_DATE, Scenario.parse("OutOfDate"));
    assertEquals(Scenario.OUT_OF_DATE, Scenario.parse("out-of-date"));
    assertEquals(Scenario.REVOKED_PCK, Scenario.parse("REVOKED_PCK"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.parse("Fine"));
    assertTrue(e.getMessage().contains("TcbRecovery"));
  }
}
