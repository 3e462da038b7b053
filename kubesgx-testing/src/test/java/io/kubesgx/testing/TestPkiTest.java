package io.kubesgx.testing;

import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import io.kubesgx.sim.pki.PckCertSpec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.pck.CertificateChains;
import io.kubesgx.pck.CertificateInfo;
import io.kubesgx.pck.Crls;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxExtensionParser;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.pck.SgxType;
import io.kubesgx.verifier.TrustAnchor;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class TestPkiTest {
  private static final DcapPki PKI = TestPki.standard();

  @Test
  void root_subject_saysTestAndNotSimulation() throws Exception {
    String subject = PKI.rootCertificate().getSubjectX500Principal().getName();
    assertTrue(subject.contains("TEST"), subject);
    assertFalse(subject.toLowerCase(Locale.ROOT).contains("simulat"), subject);
    assertEquals("kubesgx TEST Root CA", CertificateInfo.commonName(PKI.rootCertificate().getSubjectX500Principal()));
    TrustAnchor anchor = TrustAnchor.fromCertificate(PKI.rootCertificate());
    assertFalse(anchor.isIntelProduction());
    assertFalse(anchor.isSimulated());
  }

  @Test
  void certificates_namesAndRoles_matchIntelProfile() throws Exception {
    assertTrue(cn(PKI.processorCa().certificate()).endsWith(" PCK Processor CA"));
    assertTrue(cn(PKI.platformCa().certificate()).endsWith(" PCK Platform CA"));
    assertTrue(cn(PKI.tcbSigning().certificate()).endsWith("TCB Signing"));
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    assertTrue(cn(leaf.certificate()).endsWith("PCK Certificate"));
    assertEquals(1, PKI.rootCertificate().getBasicConstraints());
    assertEquals(0, PKI.processorCa().certificate().getBasicConstraints());
    assertEquals(-1, PKI.tcbSigning().certificate().getBasicConstraints());
    assertEquals(-1, leaf.certificate().getBasicConstraints());
    for (X509Certificate c : List.of(PKI.rootCertificate(), PKI.processorCa().certificate(), PKI.platformCa().certificate(),
        PKI.tcbSigning().certificate(), leaf.certificate())) {
      assertEquals("1.2.840.10045.4.3.2", c.getSigAlgOID());
      assertTrue(Ecdsa.isP256(c.getPublicKey()));
    }
    leaf.certificate().verify(PKI.processorCa().key().publicKey());
    PKI.processorCa().certificate().verify(PKI.rootCertificate().getPublicKey());
    PKI.tcbSigning().certificate().verify(PKI.rootCertificate().getPublicKey());
    PKI.rootCertificate().verify(PKI.rootCertificate().getPublicKey());
    assertEquals(List.of(leaf.certificate(), PKI.processorCa().certificate(), PKI.rootCertificate()),
        CertificateChains.orderLeafFirst(List.of(PKI.rootCertificate(), leaf.certificate(), PKI.processorCa().certificate())));
  }

  @Test
  void issuePck_processorLeaf_parsesWithFiveEntryShape() throws Exception {
    PckCertSpec spec = TestPki.pckSpec().components(255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        .pceSvn(65535).fmspc("112233445566").pceId("0102").sgxType(SgxType.SCALABLE).build();
    SgxExtensions ext = SgxExtensionParser.parse(PKI.issuePck(spec).certificate());
    assertEquals(spec.components(), ext.tcbComponents());
    assertEquals(65535, ext.pceSvn());
    assertEquals(spec.cpuSvn(), ext.cpuSvn());
    assertEquals("112233445566", ext.fmspc().hex());
    assertEquals("0102", ext.pceId().hex());
    assertEquals(SgxType.SCALABLE, ext.sgxType());
    assertEquals(spec.ppid(), ext.ppid());
    assertTrue(ext.platformInstanceId().isEmpty());
    assertTrue(ext.cpuSvnMatchesComponents());
  }

  @Test
  void issuePck_platformLeaf_parsesWithSevenEntryShape() throws Exception {
    PckCertSpec spec = TestPki.pckSpec().ca(PckCa.PLATFORM).keyLabel("p").configuration(true, false, true).build();
    SgxExtensions ext = SgxExtensionParser.parse(PKI.issuePck(spec).certificate());
    assertEquals(spec.platformInstanceId(), ext.platformInstanceId().orElseThrow());
    assertEquals(true, ext.configuration().orElseThrow().dynamicPlatform().orElseThrow());
    assertEquals(false, ext.configuration().orElseThrow().cachedKeys().orElseThrow());
    assertEquals(true, ext.configuration().orElseThrow().smtEnabled().orElseThrow());
  }

  @Test
  void sgxExtensionValue_svn255_encodedAsTwoByteInteger() {
    byte[] value = DcapPki.sgxExtensionValue(TestPki.pckSpec().components(255).build());
    // DER INTEGER 255 is 02 02 00 ff (dcap-verification.md §3.3 encoding quirk).
    assertTrue(Bytes.of(value).hex().contains("020200ff"));
  }

  @Test
  void crls_carryRequiredExtensionsAndRevokedSerials() throws Exception {
    DcapPki.Issued leaf = PKI.issuePck(TestPki.pckSpec().build());
    CrlSpec spec = CrlSpec.of(Instant.parse("2025-06-01T00:00:00Z"), Instant.parse("2025-07-01T00:00:00Z")).revoking(leaf.serial());
    X509CRL pck = Crls.parse(PKI.pckCrl(PckCa.PROCESSOR, spec));
    assertTrue(Crls.hasRequiredExtensions(pck));
    assertTrue(pck.isRevoked(leaf.certificate()));
    pck.verify(PKI.processorCa().key().publicKey());
    assertEquals(PKI.processorCa().certificate().getSubjectX500Principal(), pck.getIssuerX500Principal());
    X509CRL root = Crls.parse(PKI.rootCrl(CrlSpec.of(spec.thisUpdate(), spec.nextUpdate()).revoking(DcapPki.PROCESSOR_CA_SERIAL)));
    assertTrue(Crls.hasRequiredExtensions(root));
    assertTrue(root.isRevoked(PKI.processorCa().certificate()));
    assertFalse(root.isRevoked(PKI.platformCa().certificate()));
    root.verify(PKI.rootCertificate().getPublicKey());
  }

  @Test
  void build_sameSeed_isByteIdentical() throws Exception {
    DcapPki a = TestPki.newBuilder().build();
    DcapPki b = TestPki.newBuilder().build();
    assertArrayEquals(a.rootCertificate().getEncoded(), b.rootCertificate().getEncoded());
    assertArrayEquals(a.tcbSigning().certificate().getEncoded(), b.tcbSigning().certificate().getEncoded());
    PckCertSpec spec = TestPki.pckSpec().build();
    assertArrayEquals(a.issuePck(spec).certificate().getEncoded(), b.issuePck(spec).certificate().getEncoded());
    CrlSpec crl = CrlSpec.of(Instant.EPOCH, Instant.EPOCH.plusSeconds(86400)).revoking(BigInteger.TEN);
    assertArrayEquals(a.rootCrl(crl), b.rootCrl(crl));
  }

  @Test
  void build_otherSeed_givesOtherKeys() {
    DcapPki other = TestPki.newBuilder().seed("other").build();
    assertNotEquals(Ecdsa.xy((java.security.interfaces.ECPublicKey) other.rootCertificate().getPublicKey()),
        Ecdsa.xy((java.security.interfaces.ECPublicKey) PKI.rootCertificate().getPublicKey()));
  }

  @Test
  void caValidity_configured_isUsed() {
    Instant from = Instant.parse("2030-01-01T00:00:00Z");
    Instant to = Instant.parse("2031-01-01T00:00:00Z");
    DcapPki p = TestPki.newBuilder().caValidity(from, to).build();
    assertEquals(from, p.rootCertificate().getNotBefore().toInstant());
    assertEquals(to, p.platformCa().certificate().getNotAfter().toInstant());
  }

  @Test
  void testKey_signatures_verifyAndAreDeterministic() {
    DerivedKey k = DerivedKey.derive("seed", "label");
    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    Bytes sig = k.signP1363(msg);
    assertEquals(sig, k.signP1363(msg));
    assertTrue(Ecdsa.verifyP1363(k.publicKey(), msg, sig));
    assertFalse(Ecdsa.verifyP1363(k.publicKey(), "other".getBytes(StandardCharsets.UTF_8), sig));
  }

  private static String cn(X509Certificate c) throws Exception {
    return CertificateInfo.commonName(c.getSubjectX500Principal());
  }
}
