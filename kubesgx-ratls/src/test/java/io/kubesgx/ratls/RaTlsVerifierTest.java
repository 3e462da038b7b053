package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.NOW;
import static io.kubesgx.ratls.RaTlsFixtures.certificate;
import static io.kubesgx.ratls.RaTlsFixtures.ecKey;
import static io.kubesgx.ratls.RaTlsFixtures.extensions;
import static io.kubesgx.ratls.RaTlsFixtures.quote;
import static io.kubesgx.ratls.RaTlsFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.upokecenter.cbor.CBORObject;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sim.Scenario;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RaTlsVerifierTest {
  private static final String APP_MRENCLAVE = RaTlsFixtures.APP.mrEnclave().hex();
  private static final String APP_MRSIGNER = RaTlsFixtures.APP.mrSigner().hex();
  private static final String OTHER = "ab".repeat(32);

  @Test
  void verify_issuedP384_decidedByDice() throws Exception {
    RaTlsCredential c = RaTlsFixtures.issue(RaTlsKeyType.P384);
    VerifiedRaTls v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(c.certificate());
    assertEquals(RaTlsExtension.DICE, v.extension());
    assertEquals(c.certificate().getPublicKey(), v.boundKey());
    assertEquals(c.certificate(), v.certificate());
    assertArrayEquals(sha256(c.certificate().getEncoded()), v.certificateSha256());
    assertEquals(APP_MRENCLAVE, v.enclaveReport().mrEnclave().hex());
    assertEquals(v.quote().earliestExpiry(), v.validUntil());
    assertTrue(v.validUntil().isAfter(NOW));
  }

  @Test
  void verify_issuedP256Der_verifies() throws Exception {
    RaTlsCredential c = RaTlsFixtures.issue(RaTlsKeyType.P256);
    VerifiedRaTls v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(c.certificate().getEncoded());
    assertEquals(RaTlsExtension.DICE, v.extension());
    assertEquals(c.certificate().getPublicKey(), v.boundKey());
  }

  @Test
  void verify_legacyOnlyCertificate_decidedByLegacy() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(kp.getPublic().getEncoded())));
    VerifiedRaTls v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(certificate(kp, ext));
    assertEquals(RaTlsExtension.LEGACY, v.extension());
  }

  @Test
  void verify_legacyUnderCorrectlyEncodedOid_decidedByLegacy() throws Exception {
    KeyPair kp = ecKey("secp256r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE_INTENDED, quote(sha256(kp.getPublic().getEncoded())));
    X509Certificate cert = certificate(kp, ext);
    assertTrue(RaTlsIssuerTest.indexOf(cert.getEncoded(), HexFormat.of().parseHex("06092a864886f84d8a3906")) > 0);
    assertEquals(RaTlsExtension.LEGACY, RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(cert).extension());
  }

  @Test
  void verify_legacyUnderBothOids_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] q = quote(sha256(kp.getPublic().getEncoded()));
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, q);
    ext.put(RaTlsOids.LEGACY_QUOTE_INTENDED, q);
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, certificate(kp, ext));
  }

  @Test
  void verify_legacyQuoteForOtherKey_refusedKeyNotBound() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(ecKey("secp384r1").getPublic().getEncoded())));
    assertRefused(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND, certificate(kp, ext));
  }

  @Test
  void verify_brokenDiceAndGoodLegacy_refusedWithoutFallback() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(kp.getPublic().getEncoded())));
    byte[] garbage = new byte[200];
    Arrays.fill(garbage, (byte) 0x41);
    ext.put(RaTlsOids.DICE_TAGGED_EVIDENCE, garbage);
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, certificate(kp, ext));
  }

  @Test
  void verify_diceOfOtherKeyAndGoodLegacy_refusedKeyNotBound() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    X509Certificate other = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(kp.getPublic().getEncoded())));
    ext.put(RaTlsOids.DICE_TAGGED_EVIDENCE, RaTlsIssuerTest.extension(other, RaTlsOids.DICE_TAGGED_EVIDENCE));
    assertRefused(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND, certificate(kp, ext));
  }

  @Test
  void verify_evidenceGraftedOntoOtherKey_refusedKeyNotBound() throws Exception {
    X509Certificate issued = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, RaTlsIssuerTest.extension(issued, RaTlsOids.LEGACY_QUOTE));
    ext.put(RaTlsOids.DICE_TAGGED_EVIDENCE, RaTlsIssuerTest.extension(issued, RaTlsOids.DICE_TAGGED_EVIDENCE));
    assertRefused(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND, certificate(ecKey("secp384r1"), ext));
  }

  @Test
  void verify_diceClaimsNotMatchingQuote_refusedKeyNotBound() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = DiceCbor.encodeClaims(1, sha256(kp.getPublic().getEncoded()));
    byte[] q = quote(sha256("other claims".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    assertRefused(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND, diceCert(kp, q, claims));
  }

  @Test
  void verify_hashAlgSha384_accepted() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = claims(7, RaTlsFixtures.digest("SHA-384", kp.getPublic().getEncoded()), null);
    assertEquals(RaTlsExtension.DICE, verifyDice(kp, claims).extension());
  }

  @Test
  void verify_hashAlgSha512_accepted() throws Exception {
    KeyPair kp = ecKey("secp256r1");
    byte[] claims = claims(8, RaTlsFixtures.digest("SHA-512", kp.getPublic().getEncoded()), null);
    assertEquals(RaTlsExtension.DICE, verifyDice(kp, claims).extension());
  }

  @Test
  void verify_hashAlgUnsupported_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = claims(2, sha256(kp.getPublic().getEncoded()), null);
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, diceCert(kp, quote(sha256(claims)), claims));
  }

  @Test
  void verify_hashLengthNotMatchingAlg_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = claims(7, sha256(kp.getPublic().getEncoded()), null);
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, diceCert(kp, quote(sha256(claims)), claims));
  }

  @Test
  void verify_pubkeyHashOfOtherKey_refusedKeyNotBound() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = claims(1, sha256(ecKey("secp384r1").getPublic().getEncoded()), null);
    assertRefused(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND, diceCert(kp, quote(sha256(claims)), claims));
  }

  @Test
  void verify_unknownClaim_ignored() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    CBORObject extra = CBORObject.NewArray().Add(1).Add(CBORObject.NewMap().Add("nested", new byte[] {1, 2}));
    byte[] claims = claims(1, sha256(kp.getPublic().getEncoded()), extra);
    assertEquals(RaTlsExtension.DICE, verifyDice(kp, claims).extension());
  }

  @Test
  void verify_noPubkeyHashClaim_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] claims = CBORObject.NewMap().Add("nonce", new byte[] {1, 2, 3}).EncodeToBytes();
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, diceCert(kp, quote(sha256(claims)), claims));
  }

  @Test
  void verify_extensionBelow128Bytes_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, new byte[127]);
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, certificate(kp, ext));
  }

  @Test
  void verify_extensionAbove8192Bytes_refusedMalformed() throws Exception {
    KeyPair kp = ecKey("secp384r1");
    byte[] q = quote(sha256(kp.getPublic().getEncoded()));
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, Arrays.copyOf(q, 8193));
    assertRefused(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE, certificate(kp, ext));
  }

  @Test
  void verify_rsaKey_refusedUnsupportedKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(kp.getPublic().getEncoded())));
    assertRefused(Step.EXTRACT_QUOTE, Reason.UNSUPPORTED_KEY, certificate(kp, ext));
  }

  @Test
  void verify_otherCurve_refusedUnsupportedKey() throws Exception {
    KeyPair kp = ecKey("secp521r1");
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.LEGACY_QUOTE, quote(sha256(kp.getPublic().getEncoded())));
    assertRefused(Step.EXTRACT_QUOTE, Reason.UNSUPPORTED_KEY, certificate(kp, ext));
  }

  @Test
  void verify_noEvidence_refusedNoEvidence() throws Exception {
    assertRefused(Step.EXTRACT_QUOTE, Reason.NO_EVIDENCE, certificate(ecKey("secp384r1"), extensions()));
  }

  @Test
  void verify_notACertificate_refusedMalformedCertificate() {
    RaTlsException e = assertThrows(RaTlsException.class,
        () -> RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
    assertEquals(Step.EXTRACT_QUOTE, e.step());
    assertEquals(Reason.MALFORMED_CERTIFICATE, e.reason());
  }

  @Test
  void verify_debugEnclave_refusedUnlessAllowed() throws Exception {
    X509Certificate c = RaTlsIssuer.builder().quoteProvider(RaTlsFixtures.provider(RaTlsFixtures.DEBUG_APP)).build()
        .issue().certificate();
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(c));
    assertEquals(Step.VERIFY_ENCLAVE_ATTRS, e.step());
    assertEquals(Reason.DEBUG_ENCLAVE, e.reason());
    assertTrue(e.getMessage().contains(RaTlsPolicy.ENV_ALLOW_DEBUG_ENCLAVE), e.getMessage());
    VerifiedRaTls v = RaTlsFixtures.verifier(RaTlsPolicy.builder().insecureAllowDebugEnclave().build()).verify(c);
    assertTrue(v.enclaveReport().isDebug());
  }

  @Test
  void verify_matchingMeasurements_accepted() throws Exception {
    RaTlsPolicy p = RaTlsPolicy.builder().mrEnclave(OTHER).mrEnclave(APP_MRENCLAVE.toUpperCase(java.util.Locale.ROOT))
        .mrSigner(APP_MRSIGNER).isvProdId(7).minIsvSvn(3).build();
    RaTlsFixtures.verifier(p).verify(RaTlsFixtures.issue(RaTlsKeyType.P384).certificate());
  }

  @Test
  void verify_wrongMrEnclave_refusedMeasurements() throws Exception {
    assertPolicyRefuses(RaTlsPolicy.builder().mrEnclave(OTHER).build(), Reason.MRENCLAVE_MISMATCH);
  }

  @Test
  void verify_wrongMrSigner_refusedMeasurements() throws Exception {
    assertPolicyRefuses(RaTlsPolicy.builder().mrSigner(OTHER).mrEnclave(APP_MRENCLAVE).build(), Reason.MRSIGNER_MISMATCH);
  }

  @Test
  void verify_wrongProductId_refusedMeasurements() throws Exception {
    assertPolicyRefuses(RaTlsPolicy.builder().mrEnclave(APP_MRENCLAVE).isvProdId(8).build(), Reason.PRODUCT_ID_MISMATCH);
  }

  @Test
  void verify_wrongProductIdOrSvn_messageNamesThePolicyKnob() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    RaTlsException prod = assertThrows(RaTlsException.class,
        () -> RaTlsFixtures.verifier(RaTlsPolicy.builder().isvProdId(8).build()).verify(c));
    assertTrue(prod.getMessage().contains(RaTlsPolicy.ENV_ISV_PROD_ID), prod.getMessage());
    RaTlsException svn = assertThrows(RaTlsException.class,
        () -> RaTlsFixtures.verifier(RaTlsPolicy.builder().minIsvSvn(4).build()).verify(c));
    assertTrue(svn.getMessage().contains(RaTlsPolicy.ENV_ISV_SVN), svn.getMessage());
  }

  @Test
  void verify_svnBelowMinimum_refusedMeasurements() throws Exception {
    assertPolicyRefuses(RaTlsPolicy.builder().mrEnclave(APP_MRENCLAVE).minIsvSvn(4).build(), Reason.SVN_TOO_LOW);
  }

  @Test
  void verify_quoteFromUntrustedPlatform_refusedAtVerifyExternal() throws Exception {
    X509Certificate c = RaTlsIssuer.builder()
        .quoteProvider(io.kubesgx.sdk.sim.SimQuoteProvider.create(RaTlsFixtures.otherPlatform(), RaTlsFixtures.APP))
        .build().issue().certificate();
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), Clock.fixed(NOW, ZoneOffset.UTC))
        .collateral(CollateralSource.fixed(RaTlsFixtures.collateral(RaTlsFixtures.otherPlatform(), Scenario.UP_TO_DATE)))
        .build();
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(c));
    assertEquals(Step.VERIFY_EXTERNAL, e.step());
    assertEquals(Reason.QUOTE_REJECTED, e.reason());
    assertEquals(io.kubesgx.verifier.Reason.UNTRUSTED_ROOT, e.quoteReason().orElseThrow());
  }

  @Test
  void verify_simulatedQuoteWithIntelRootOnly_refusedUntrustedRoot() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), Clock.fixed(NOW, ZoneOffset.UTC))
        .quoteVerifier(io.kubesgx.verifier.QuoteVerifier.newBuilder().build())
        .build();
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(c));
    assertEquals(Step.VERIFY_EXTERNAL, e.step());
    assertEquals(io.kubesgx.verifier.Reason.UNTRUSTED_ROOT, e.quoteReason().orElseThrow());
  }

  @Test
  void verify_certificateAbove64KiB_refusedMalformedCertificate() {
    byte[] big = new byte[RaTlsEvidence.MAX_CERTIFICATE_SIZE + 1];
    RaTlsException e = assertThrows(RaTlsException.class,
        () -> RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(big));
    assertEquals(Reason.MALFORMED_CERTIFICATE, e.reason());
  }

  @Test
  void verify_collateralExpired_refusedUnlessOutdatedAllowed() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    Clock later = Clock.fixed(NOW.plus(java.time.Duration.ofDays(31)), ZoneOffset.UTC);
    RaTlsVerifier strict = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), later).build();
    RaTlsException e = assertThrows(RaTlsException.class, () -> strict.verify(c));
    assertEquals(Step.VERIFY_EXTERNAL, e.step());
    assertEquals(Reason.QUOTE_REJECTED, e.reason());
    assertTrue(e.quoteReason().isPresent());

    RaTlsVerifier lenient = RaTlsFixtures.verifier(RaTlsPolicy.builder().insecureAllowOutdatedTcb().build(), later)
        .cache(10, java.time.Duration.ofHours(1)).build();
    VerifiedRaTls v = lenient.verify(c);
    assertTrue(v.validUntil().isBefore(later.instant()));
    assertFalse(v == lenient.verify(c), "a result on expired collateral is never cached");
  }

  @Test
  void verify_expiredCollateralScenario_refused() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), Clock.fixed(NOW, ZoneOffset.UTC))
        .collateral(CollateralSource.fixed(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.EXPIRED_COLLATERAL)))
        .build();
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(c));
    assertEquals(Step.VERIFY_EXTERNAL, e.step());
    assertEquals(Reason.QUOTE_REJECTED, e.reason());
  }

  @Test
  void verify_collateralSourceFails_refusedCollateralUnavailable() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), Clock.fixed(NOW, ZoneOffset.UTC))
        .collateral(q -> {
          throw new RaTlsException(Step.VERIFY_EXTERNAL, Reason.COLLATERAL_UNAVAILABLE, "the PCS is down");
        })
        .build();
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(c));
    assertEquals(Reason.COLLATERAL_UNAVAILABLE, e.reason());
  }

  private static void assertPolicyRefuses(RaTlsPolicy p, Reason reason) throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsFixtures.verifier(p).verify(c));
    assertEquals(Step.VERIFY_ENCLAVE_MEASUREMENTS, e.step());
    assertEquals(reason, e.reason());
  }

  static void assertRefused(Step step, Reason reason, X509Certificate cert) {
    Executable call = () -> RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(cert);
    RaTlsException e = assertThrows(RaTlsException.class, call);
    assertEquals(step, e.step(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().startsWith(step + ": "), e.getMessage());
  }

  /** A claims map with pubkey-hash [alg, hash] and, when given, an unknown claim, encoded by the independent library. */
  static byte[] claims(int alg, byte[] hash, CBORObject extra) {
    byte[] entry = CBORObject.NewArray().Add(alg).Add(hash).EncodeToBytes();
    CBORObject map = CBORObject.NewMap().Add("pubkey-hash", entry);
    if (extra != null) {
      map.Add("x-unknown-claim", extra);
    }
    return map.EncodeToBytes();
  }

  static X509Certificate diceCert(KeyPair kp, byte[] quote, byte[] claims) {
    Map<String, byte[]> ext = extensions();
    ext.put(RaTlsOids.DICE_TAGGED_EVIDENCE, DiceCbor.encodeEvidence(quote, claims));
    return certificate(kp, ext);
  }

  private static VerifiedRaTls verifyDice(KeyPair kp, byte[] claims) throws RaTlsException {
    return RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave()).verify(diceCert(kp, quote(sha256(claims)), claims));
  }
}
