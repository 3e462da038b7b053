package io.kubesgx.testing;

import io.kubesgx.sim.collateral.CollateralBuilder;
import io.kubesgx.sim.collateral.QeIdentityBuilder;
import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.HashSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Edge cases built in memory with the builders (not committed as vectors): boundaries, orderings,
 * encodings and mismatches. Each collateral is loaded through both {@code fromPcsResponses} and
 * the dcap-qvl JSON round trip.
 */
class EdgeCaseVerificationTest {
  private static final DcapPki PKI = TestPki.standard();
  private static QuoteVerifier verifier;

  @BeforeAll
  static void setUp() throws Exception {
    verifier = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(PKI.rootCertificate()))))
        .build();
  }

  private static Scenario sgx(String name) {
    return new Scenario(name, QuoteBuilder.Format.SGX_V3, name);
  }

  private static Scenario tdx(String name) {
    return new Scenario(name, QuoteBuilder.Format.TDX_V4, name);
  }

  private static VerifiedQuote verify(Scenario s) throws Exception {
    VectorGenerator.Built b = VectorGenerator.build(s, PKI);
    Collateral viaPcs = b.collateral().build();
    Collateral viaJson = CollateralLoader.fromDcapQvlJson(b.collateral().toDcapQvlJson());
    assertEquals(viaPcs, viaJson, "PCS and dcap-qvl JSON loading must agree");
    VerifiedQuote v = verifier.verify(b.quote(), viaPcs, s.now());
    VerifiedQuote w = verifier.verify(b.quote(), viaJson, s.now());
    assertEquals(v.status(), w.status());
    return v;
  }

  private static Reason failure(Scenario s) {
    return assertThrows(AttestationException.class, () -> verify(s)).reason();
  }

  @Test
  void verify_atEarliestExpiryInstant_acceptsInclusiveBound() throws Exception {
    VerifiedQuote v = verify(sgx("at-expiry").now(TestCollateral.DEFAULT_NEXT_UPDATE));
    assertEquals(TcbStatus.UP_TO_DATE, v.status());
    assertEquals(TestCollateral.DEFAULT_NEXT_UPDATE, v.earliestExpiry());
  }

  @Test
  void verify_oneSecondAfterEarliestExpiry_throwsCrlExpired() {
    assertEquals(Reason.CRL_EXPIRED, failure(sgx("after-expiry").now(TestCollateral.DEFAULT_NEXT_UPDATE.plusSeconds(1))));
  }

  @Test
  void verify_atIssueInstant_acceptsInclusiveBound() throws Exception {
    VerifiedQuote v = verify(sgx("at-issue").now(TestCollateral.DEFAULT_ISSUE_DATE));
    assertEquals(TestCollateral.DEFAULT_ISSUE_DATE, v.latestIssue());
  }

  @Test
  void verify_oneSecondBeforeIssue_throwsCrlNotYetValid() {
    assertEquals(Reason.CRL_NOT_YET_VALID, failure(sgx("before-issue").now(TestCollateral.DEFAULT_ISSUE_DATE.minusSeconds(1))));
  }

  @Test
  void verify_pckCrlEndsFirst_reportsItAsEarliestExpiry() throws Exception {
    Scenario s = sgx("early-crl");
    Instant end = Instant.parse("2025-06-20T00:00:00Z");
    s.pckCrl = CrlSpec.of(TestCollateral.DEFAULT_ISSUE_DATE, end);
    assertEquals(end, verify(s).earliestExpiry());
  }

  @Test
  void verify_pckCertificateExpired_throwsPckCertExpired() {
    Scenario s = sgx("pck-expired");
    s.pck = b -> b.validity(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2025-06-01T00:00:00Z"));
    assertEquals(Reason.PCK_CERT_EXPIRED, failure(s));
  }

  @Test
  void verify_pckCertificateNotYetValid_throwsPckCertNotYetValid() {
    Scenario s = sgx("pck-future");
    s.pck = b -> b.validity(Instant.parse("2025-06-16T00:00:00Z"), Instant.parse("2032-01-01T00:00:00Z"));
    assertEquals(Reason.PCK_CERT_NOT_YET_VALID, failure(s));
  }

  @Test
  void verify_cpuSvnDiffersFromComponents_throwsInvalidPckCert() {
    Scenario s = sgx("cpusvn-mismatch");
    s.pck = b -> b.cpuSvn("05050202030100060000000000000000");
    assertEquals(Reason.INVALID_PCK_CERT, failure(s));
  }

  @Test
  void verify_levelsServedInAscendingOrder_sameResultAsSorted() throws Exception {
    Scenario s = sgx("ascending").platform("SWHardeningNeeded", "TEST-SA-00101");
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    TcbInfoBuilder t = TestCollateral.sgxTcbInfo()
        .level(TestCollateral.sgxLevel(new int[] {4, 4, 2, 2, 3, 1, 0, 5}, 10, "OutOfDate"))
        .level(TestCollateral.sgxLevel(new int[] {5, 5, 2, 2, 3, 1, 0, 5}, 11, "SWHardeningNeeded", "TEST-SA-00101"))
        .level(TestCollateral.sgxLevel(new int[] {5, 5, 2, 2, 3, 1, 0, 5}, 12, "UpToDate"))
        .level(TestCollateral.sgxLevel(new int[] {6, 6, 2, 2, 3, 1, 0, 5}, 11, "UpToDate"));
    QeIdentityBuilder qe = TestCollateral.qeIdentity()
        .level(TestCollateral.qeLevel(2, "OutOfDate"))
        .level(TestCollateral.qeLevel(8, "UpToDate"))
        .level(TestCollateral.qeLevel(6, "OutOfDate"));
    Collateral c = TestCollateral.newBuilder(PKI).tcbInfo(t).qeIdentity(qe).build();
    VerifiedQuote v = verifier.verify(quote, c, s.now());
    assertEquals(TcbStatus.SW_HARDENING_NEEDED, v.status());
    assertEquals(List.of("TEST-SA-00101"), v.advisoryIds());
    assertEquals(TcbStatus.UP_TO_DATE, v.qeStatus());
  }

  @Test
  void verify_debugQuotingEnclave_throwsQeIdentityMismatch() {
    Scenario s = sgx("debug-qe");
    s.quote = q -> q.qeAttributes(QuoteBuilder.QE_FLAGS | 0x2, 0xe7);
    assertEquals(Reason.QE_IDENTITY_MISMATCH, failure(s));
  }

  @Test
  void verify_qeMiscSelectOutsideIdentity_throwsQeIdentityMismatch() {
    Scenario s = sgx("qe-miscselect");
    s.quote = q -> q.qeMiscSelect(1);
    assertEquals(Reason.QE_IDENTITY_MISMATCH, failure(s));
  }

  @Test
  void verify_qeIsvProdIdDiffers_throwsQeIdentityMismatch() {
    Scenario s = sgx("qe-prodid");
    s.quote = q -> q.qeIsvProdId(7);
    assertEquals(Reason.QE_IDENTITY_MISMATCH, failure(s));
  }

  @Test
  void verify_sgxQuoteWithTdxTcbInfo_throwsTcbInfoMismatch() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    Collateral c = TestCollateral.newBuilder(PKI)
        .tcbInfo(TestCollateral.tdxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate").withTdx(0)))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(quote, c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.TCB_INFO_MISMATCH, e.reason());
  }

  @Test
  void verify_sgxQuoteWithTdQeIdentity_throwsQeIdentityMismatch() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    Collateral c = TestCollateral.newBuilder(PKI)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.tdQeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(quote, c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.QE_IDENTITY_MISMATCH, e.reason());
  }

  @Test
  void verify_pckCrlOfTheOtherCa_throwsInvalidCrl() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    Collateral c = TestCollateral.newBuilder(PKI)
        .pckCa(PckCa.PLATFORM)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(quote, c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.INVALID_CRL, e.reason());
  }

  @Test
  void verify_missingPckCrl_throwsMissingCollateral() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    Collateral c = TestCollateral.newBuilder(PKI)
        .pckCrl(null)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class, () -> verifier.verify(quote, c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.MISSING_COLLATERAL, e.reason());
  }

  @Test
  void verify_tcbSigningCertificateExpired_throwsSigningCertExpired() throws Exception {
    DcapPki pki = TestPki.newBuilder()
        .tcbSigningValidity(Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("2025-06-01T00:00:00Z"))
        .build();
    QuoteVerifier v = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(pki.rootCertificate()))))
        .build();
    DcapPki.Issued leaf = pki.issuePck(TestPki.pckSpec().build());
    Collateral c = TestCollateral.newBuilder(pki)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class,
        () -> v.verify(QuoteBuilder.sgxV3(pki, leaf).build(), c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.SIGNING_CERT_EXPIRED, e.reason());
  }

  @Test
  void verify_otherTestPkiRoot_throwsUntrustedRoot() throws Exception {
    DcapPki other = TestPki.newBuilder().seed("another seed").build();
    DcapPki.Issued leaf = other.issuePck(TestPki.pckSpec().build());
    Collateral c = TestCollateral.newBuilder(other)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier.verify(QuoteBuilder.sgxV3(other, leaf).build(), c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.UNTRUSTED_ROOT, e.reason());
  }

  @Test
  void verify_emptyQeAuthData_verifies() throws Exception {
    Scenario s = sgx("empty-auth");
    s.quote = q -> q.qeAuthData(Bytes.empty());
    assertEquals(TcbStatus.UP_TO_DATE, verify(s).status());
  }

  @Test
  void verify_longQeAuthDataInV4_verifies() throws Exception {
    Scenario s = new Scenario("long-auth", QuoteBuilder.Format.SGX_V4, "long auth");
    s.quote = q -> q.qeAuthData(Bytes.zeros(300));
    assertEquals(TcbStatus.UP_TO_DATE, verify(s).status());
  }

  @Test
  void verify_chainRootFirstWithoutNulInQuote_verifies() throws Exception {
    Scenario s = sgx("root-first");
    s.includePckCert = false;
    s.quote = q -> q.nulTerminatedChain(false);
    VectorGenerator.Built b = VectorGenerator.build(s, PKI);
    assertEquals(TcbStatus.UP_TO_DATE, verifier.verify(b.quote(), b.collateral().build(), s.now()).status());

    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    List<X509Certificate> chain = PKI.pckChain(leaf);
    byte[] rootFirst = QuoteBuilder.sgxV3(PKI, leaf)
        .pckChainOrder(List.of(chain.get(2), chain.get(1), chain.get(0))).build();
    assertEquals(TcbStatus.UP_TO_DATE, verifier.verify(rootFirst, b.collateral().build(), s.now()).status());
  }

  @Test
  void verify_typeThreeWithoutCollateralPck_throwsMissingPckChain() {
    Scenario s = sgx("type3-no-pck");
    s.includePckCert = false;
    s.quote = q -> q.certificationData(3, Bytes.zeros(404));
    assertEquals(Reason.MISSING_PCK_CHAIN, failure(s));
  }

  @Test
  void verify_certificationTypeSevenInV3_isRejected() {
    Scenario s = sgx("type7");
    s.includePckCert = false;
    s.quote = q -> q.certificationData(7, Bytes.zeros(16));
    assertEquals(Reason.UNSUPPORTED_CERTIFICATION_DATA, failure(s));
  }

  @Test
  void verify_zeroPaddedTdxQuote_verifiesWithDefaultPolicy() throws Exception {
    Scenario s = tdx("padded");
    s.quote = q -> q.trailingZeros(70);
    assertEquals(TcbStatus.UP_TO_DATE, verify(s).status());
  }

  @Test
  void verify_otherQeVendor_throwsUnsupportedQeVendor() {
    Scenario s = sgx("vendor");
    s.quote = q -> q.qeVendorId("00000000000000000000000000000000");
    assertEquals(Reason.UNSUPPORTED_QE_VENDOR, failure(s));
  }

  @Test
  void verify_attestationKeyTypeThree_throwsUnsupportedAttestationKeyType() {
    Scenario s = sgx("keytype");
    s.quote = q -> q.attestationKeyType(3);
    assertEquals(Reason.UNSUPPORTED_ATTESTATION_KEY_TYPE, failure(s));
  }

  @Test
  void verify_qeReportSignedByAnotherKey_throwsInvalidQeReportSignature() {
    Scenario s = sgx("qe-signer");
    s.quote = q -> q.qeReportSigner(DerivedKey.derive("x", "y"));
    assertEquals(Reason.INVALID_QE_REPORT_SIGNATURE, failure(s));
  }

  @Test
  void verify_tdxModuleSvnBelowEveryModuleLevel_throwsTcbNotSupported() {
    Scenario s = tdx("module-svn-low");
    s.quote = q -> q.teeTcbSvn(0, 1, 2);
    assertEquals(Reason.TCB_NOT_SUPPORTED, failure(s));
  }

  @Test
  void verify_mrSignerSeamDiffersFromModuleIdentity_throwsTdxModuleMismatch() {
    Scenario s = tdx("mrsignerseam");
    s.quote = q -> q.mrSignerSeam(Bytes.zeros(47).concat(Bytes.of(new byte[] {1})));
    assertEquals(Reason.TDX_MODULE_MISMATCH, failure(s));
  }

  @Test
  void verify_nonZeroSeamAttributes_throwsTdxModuleMismatch() {
    Scenario s = tdx("seamattributes");
    s.quote = q -> q.seamAttributes(Bytes.of(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
    assertEquals(Reason.TDX_MODULE_MISMATCH, failure(s));
  }

  @Test
  void verify_tdxLevelBelowSgxLevel_usesTheLevelPassingBothTests() throws Exception {
    // The second level passes the SGX test but not the TDX test; the third (ConfigurationNeeded) passes both.
    Scenario s = tdx("walk").platform("ConfigurationNeeded", "TEST-SA-00102");
    VerifiedQuote v = verify(s);
    assertEquals(TcbStatus.CONFIGURATION_NEEDED, v.status());
    assertEquals(Set.of("TEST-SA-00102"), new HashSet<>(v.advisoryIds()));
  }

  private static Scenario td15(String name, int[] svn, int[] svn2) {
    Scenario s = new Scenario(name, QuoteBuilder.Format.TDX_V5_TD15, "td15");
    byte[] b2 = new byte[16];
    for (int i = 0; i < svn2.length; i++) {
      b2[i] = (byte) svn2[i];
    }
    s.quote = q -> q.teeTcbSvn(svn).teeTcbSvn2(Bytes.of(b2));
    return s;
  }

  @Test
  void verify_td15ModuleOutOfDateAndSvn2AtNewestModule_isTdRelaunchAdvised() throws Exception {
    // TEE_TCB_SVN (2,1,2): module TDX_01 level 2 OutOfDate; TEE_TCB_SVN2 (3,1,3) reaches the newest
    // module isvsvn 3 and the top level's TDX component 2 (3): Intel's checkForRelaunch applies.
    VerifiedQuote v = verify(td15("td15-relaunch", new int[] {2, 1, 2}, new int[] {3, 1, 3}));
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED, v.status());
    assertEquals(VerifiedQuote.Summary.NEEDS_ATTENTION, v.summary());
    assertEquals(Optional.of(TcbStatus.OUT_OF_DATE), v.moduleStatus());
    assertTrue(v.advisoryIds().contains("TEST-SA-01002"));
    assertTrue(v.isTdRelaunchCheckPerformed());
  }

  @Test
  void verify_td15Svn2BelowNewestModuleOrTopLevel_staysOutOfDate() throws Exception {
    assertEquals(TcbStatus.OUT_OF_DATE, verify(td15("td15-svn2-module-old", new int[] {2, 1, 2}, new int[] {2, 1, 3})).status());
    assertEquals(TcbStatus.OUT_OF_DATE, verify(td15("td15-svn2-tdx2-old", new int[] {2, 1, 2}, new int[] {3, 1, 2})).status());
  }

  @Test
  void verify_td15Svn2ModuleVersionZero_comparesWithTheTopLevel() throws Exception {
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED, verify(td15("td15-v0", new int[] {2, 1, 2}, new int[] {3, 0, 3})).status());
    assertEquals(TcbStatus.OUT_OF_DATE, verify(td15("td15-v0-low", new int[] {2, 1, 2}, new int[] {2, 0, 3})).status());
  }

  @Test
  void verify_td15Svn2NamesAnUnknownModule_isModuleMismatch() throws Exception {
    assertEquals(Reason.TDX_MODULE_MISMATCH, failure(td15("td15-unknown-module", new int[] {2, 1, 2}, new int[] {3, 2, 3})));
  }

  @Test
  void verify_td15ConfigurationNeededLevel_isRelaunchAdvisedConfigurationNeeded() throws Exception {
    Scenario s = td15("td15-config", new int[] {2, 1, 2}, new int[] {3, 1, 3}).platform("ConfigurationNeeded", "TEST-SA-00102");
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED, verify(s).status());
  }

  @Test
  void verify_td15QeOutOfDate_noRelaunchAdvice() throws Exception {
    Scenario s = td15("td15-qe-old", new int[] {2, 1, 2}, new int[] {3, 1, 3}).qe("OutOfDate", "TEST-SA-00201");
    assertEquals(TcbStatus.OUT_OF_DATE, verify(s).status());
  }

  @Test
  void verify_td15ModuleUpToDate_unchanged() throws Exception {
    VerifiedQuote v = verify(td15("td15-module-current", new int[] {3, 1, 3}, new int[] {3, 1, 3}));
    assertEquals(TcbStatus.UP_TO_DATE, v.status());
    assertTrue(v.isTdRelaunchCheckPerformed());
  }

  @Test
  void verify_revokedUnrelatedSerialOnly_verifies() throws Exception {
    Scenario s = sgx("unrelated");
    s.pckCrl = CrlSpec.of(TestCollateral.DEFAULT_ISSUE_DATE, TestCollateral.DEFAULT_NEXT_UPDATE)
        .revoking(BigInteger.valueOf(12345));
    assertEquals(TcbStatus.UP_TO_DATE, verify(s).status());
  }

  private static CollateralBuilder simpleCollateral(DcapPki pki) {
    return TestCollateral.newBuilder(pki)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")));
  }

  @Test
  void verify_qeIdentityExpectsBitsOutsideMask_throwsQeIdentityMismatch() throws Exception {
    // Intel compares (report & mask) == expected; an expected value with bits outside the mask never matches.
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    Collateral c = TestCollateral.newBuilder(PKI)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity()
            .attributes("15000000000000000000000000000000", "FBFFFFFFFFFFFFFF0000000000000000")
            .level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier.verify(QuoteBuilder.sgxV3(PKI, leaf).build(), c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.QE_IDENTITY_MISMATCH, e.reason());
  }

  @Test
  void verify_qeIdentityExpired_throwsQeIdentityExpired() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    Collateral c = TestCollateral.newBuilder(PKI)
        .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
        .qeIdentity(TestCollateral.qeIdentity()
            .validity(Instant.parse("2025-05-01T00:00:00Z"), Instant.parse("2025-06-15T11:59:59Z"))
            .level(TestCollateral.qeLevel(8, "UpToDate")))
        .build();
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier.verify(QuoteBuilder.sgxV3(PKI, leaf).build(), c, Scenario.DEFAULT_NOW));
    assertEquals(Reason.QE_IDENTITY_EXPIRED, e.reason());
  }

  @Test
  void verify_evaluationDataNumberBelowMinimum_throwsTooLow() throws Exception {
    QuoteVerifier strict = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(PKI.rootCertificate()))))
        .minimumTcbEvaluationDataNumber(18)
        .build();
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    AttestationException e = assertThrows(AttestationException.class,
        () -> strict.verify(QuoteBuilder.sgxV3(PKI, leaf).build(), simpleCollateral(PKI).build(), Scenario.DEFAULT_NOW));
    assertEquals(Reason.TCB_EVALUATION_DATA_NUMBER_TOO_LOW, e.reason());
  }

  @Test
  void verify_missingCrlsWithInsecureMode_verifiesAndRecordsUncheckedRevocation() throws Exception {
    QuoteVerifier lax = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(PKI.rootCertificate()))))
        .revocationMode(io.kubesgx.verifier.RevocationMode.INSECURE_ALLOW_MISSING_CRLS)
        .build();
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    Collateral c = simpleCollateral(PKI).rootCaCrl(null).pckCrl(null).build();
    VerifiedQuote v = lax.verify(QuoteBuilder.sgxV3(PKI, leaf).build(), c, Scenario.DEFAULT_NOW);
    assertEquals(TcbStatus.UP_TO_DATE, v.status());
    assertTrue(!v.isRevocationChecked());
  }

  @Test
  void verify_quoteAndCollateralFromDifferentConfiguredRoots_throwsUntrustedRoot() throws Exception {
    DcapPki other = TestPki.newBuilder().seed("second test root").build();
    QuoteVerifier both = QuoteVerifier.newBuilder()
        .trustAnchors(TrustAnchors.of(List.of(
            TrustAnchor.fromCertificate(PKI.rootCertificate()), TrustAnchor.fromCertificate(other.rootCertificate()))))
        .build();
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    byte[] quote = QuoteBuilder.sgxV3(PKI, leaf).build();
    assertEquals(TcbStatus.UP_TO_DATE, both.verify(quote, simpleCollateral(PKI).build(), Scenario.DEFAULT_NOW).status());
    // The other root has the same subject name, so its root CRL simply fails to verify under the PCK chain's anchor.
    AttestationException crl = assertThrows(AttestationException.class,
        () -> both.verify(quote, simpleCollateral(other).build(), Scenario.DEFAULT_NOW));
    assertEquals(Reason.INVALID_CRL, crl.reason());
    // CRLs from the PCK chain's root, TCB info and QE identity signed under the other root.
    Collateral a = simpleCollateral(PKI).build();
    Collateral b = simpleCollateral(other).build();
    Collateral mixed = new Collateral(a.rootCaCrl(), a.pckCrl(), a.pckCrlIssuerChain(), b.tcbInfo(),
        b.tcbInfoIssuerChain(), b.qeIdentity(), b.qeIdentityIssuerChain(), List.of());
    AttestationException e = assertThrows(AttestationException.class, () -> both.verify(quote, mixed, Scenario.DEFAULT_NOW));
    assertEquals(Reason.UNTRUSTED_ROOT, e.reason());
  }

  @Test
  void verify_tdxQuoteWithTcbInfoV2_throwsTcbInfoMismatch() {
    Scenario s = tdx("tdx-v2");
    s.tcbInfo = t -> {};
    Scenario sgxV2 = sgx("v2");
    sgxV2.tcbInfoV2 = true;
    VectorGenerator.Built tdxBuilt = VectorGenerator.build(s, PKI);
    VectorGenerator.Built v2Built = VectorGenerator.build(sgxV2, PKI);
    CollateralBuilder mixed = TestCollateral.newBuilder(PKI)
        .pckCa(PckCa.PLATFORM)
        .tcbInfoJson(v2Built.collateral().tcbInfoJson().replace("00a0670f0000", VectorGenerator.TDX_FMSPC))
        .qeIdentity(TestCollateral.tdQeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")));
    AttestationException e = assertThrows(AttestationException.class,
        () -> verifier.verify(tdxBuilt.quote(), mixed.build(), s.now()));
    assertEquals(Reason.TCB_INFO_MISMATCH, e.reason());
  }
}
