package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.ecKey;
import static io.kubesgx.ratls.RaTlsFixtures.quote;
import static io.kubesgx.ratls.RaTlsFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.upokecenter.cbor.CBORObject;
import io.kubesgx.pck.PckCa;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.testing.QuoteBuilder;
import io.kubesgx.testing.TestPki;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

/**
 * What {@link RaTlsEvidence#parse(byte[])} refuses at the certificate level: repeated and critical
 * extensions, quotes that are not exactly one SGX quote (empty, padded, TDX). Certificates are
 * assembled at the ASN.1 level (their self-signatures are not valid, which RA-TLS does not check),
 * because certificate builders refuse to write repeated extensions.
 */
class RaTlsEvidenceStrictnessTest {
  private static final ASN1ObjectIdentifier DICE = new ASN1ObjectIdentifier(RaTlsOids.DICE_TAGGED_EVIDENCE);
  private static final ASN1ObjectIdentifier LEGACY = new ASN1ObjectIdentifier(RaTlsOids.LEGACY_QUOTE);
  private static final KeyPair KEY = ecKey("secp384r1");

  @Test
  void parse_issuedExtensionsReassembled_accepted() throws Exception {
    // Checks the assembly helper itself: the issued extensions, re-assembled, still parse.
    RaTlsEvidence ev = RaTlsEvidence.parse(assemble(KEY, issuedExtensions(false)));
    assertEquals(RaTlsExtension.DICE, ev.extension());
  }

  @Test
  void parse_diceExtensionTwice_throwsMalformedCertificate() throws Exception {
    List<Extension> exts = issuedExtensions(false);
    exts.add(find(exts, DICE));
    assertRefused(Reason.MALFORMED_CERTIFICATE, assemble(KEY, exts));
  }

  @Test
  void parse_legacyExtensionTwice_throwsMalformedCertificate() throws Exception {
    Extension legacy = new Extension(LEGACY, false, new DEROctetString(quote(sha256(KEY.getPublic().getEncoded()))));
    assertRefused(Reason.MALFORMED_CERTIFICATE, assemble(KEY, List.of(legacy, legacy)));
  }

  @Test
  void parse_criticalDiceExtension_throwsMalformedCertificate() throws Exception {
    // Gramine parses the peer certificate with mbedTLS, which refuses critical extensions it does not know.
    RaTlsException e = assertRefused(Reason.MALFORMED_CERTIFICATE, assemble(KEY, issuedExtensions(true)));
    assertTrue(e.getMessage().contains(RaTlsOids.DICE_TAGGED_EVIDENCE + " critical"), e.getMessage());
  }

  @Test
  void parse_unknownCriticalExtension_throwsMalformedCertificate() throws Exception {
    List<Extension> exts = issuedExtensions(false);
    exts.add(new Extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true, new DEROctetString(new byte[] {5, 0})));
    assertRefused(Reason.MALFORMED_CERTIFICATE, assemble(KEY, exts));
  }

  @Test
  void parse_criticalBasicConstraints_accepted() throws Exception {
    List<Extension> exts = issuedExtensions(false);
    exts.set(0, new Extension(Extension.basicConstraints, true, new DEROctetString(new BasicConstraints(false))));
    assertEquals(RaTlsExtension.DICE, RaTlsEvidence.parse(assemble(KEY, exts)).extension());
  }

  @Test
  void parse_diceEvidenceWithEmptyQuote_throwsMalformedEvidence() throws Exception {
    // An unknown claim pads the evidence above the 128-byte minimum, so the empty quote itself is judged.
    byte[] claims = RaTlsVerifierTest.claims(1, sha256(KEY.getPublic().getEncoded()),
        CBORObject.FromObject(new byte[128]));
    Extension dice = new Extension(DICE, false, new DEROctetString(DiceCbor.encodeEvidence(new byte[0], claims)));
    RaTlsException e = assertRefused(Reason.MALFORMED_EVIDENCE, assemble(KEY, List.of(dice)));
    assertTrue(e.getMessage().contains("quote"), e.getMessage());
  }

  @Test
  void parse_legacyQuoteWithTrailingZeros_throwsMalformedEvidence() throws Exception {
    byte[] q = quote(sha256(KEY.getPublic().getEncoded()));
    Extension legacy = new Extension(LEGACY, false, new DEROctetString(Arrays.copyOf(q, q.length + 16)));
    assertRefused(Reason.MALFORMED_EVIDENCE, assemble(KEY, List.of(legacy)));
  }

  @Test
  void parse_diceQuoteWithTrailingZeros_throwsMalformedEvidence() throws Exception {
    byte[] claims = RaTlsVerifierTest.claims(1, sha256(KEY.getPublic().getEncoded()), null);
    byte[] q = quote(sha256(claims));
    Extension dice = new Extension(DICE, false,
        new DEROctetString(DiceCbor.encodeEvidence(Arrays.copyOf(q, q.length + 1), claims)));
    assertRefused(Reason.MALFORMED_EVIDENCE, assemble(KEY, List.of(dice)));
  }

  @Test
  void parse_tdxQuote_throwsMalformedEvidence() throws Exception {
    DcapPki pki = TestPki.standard();
    byte[] tdx = QuoteBuilder.tdxV4(pki, pki.issuePck(TestPki.pckSpec().ca(PckCa.PLATFORM).build())).build();
    Extension legacy = new Extension(LEGACY, false, new DEROctetString(tdx));
    RaTlsException e = assertRefused(Reason.MALFORMED_EVIDENCE, assemble(KEY, List.of(legacy)));
    assertTrue(e.getMessage().contains("not an SGX enclave quote"), e.getMessage());
  }

  @Test
  void parse_sgxV5Quote_accepted() throws Exception {
    DcapPki pki = TestPki.standard();
    byte[] v5 = QuoteBuilder.newBuilder(QuoteBuilder.Format.SGX_V5, pki, pki.issuePck(TestPki.pckSpec().build())).build();
    Extension legacy = new Extension(LEGACY, false, new DEROctetString(v5));
    RaTlsEvidence ev = RaTlsEvidence.parse(assemble(KEY, List.of(legacy)));
    assertEquals(5, ev.quote().header().version());
    assertEquals(RaTlsExtension.LEGACY, ev.extension());
  }

  @Test
  void parse_deeplyNestedDer_throwsMalformedCertificate() {
    // 64 KiB of nested SEQUENCEs (definite lengths): a recursive decoder must not overflow its stack.
    byte[] inner = new byte[0];
    while (inner.length + 5 <= RaTlsEvidence.MAX_CERTIFICATE_SIZE) {
      byte[] outer = new byte[inner.length + 5];
      outer[0] = 0x30;
      outer[1] = (byte) 0x83;
      outer[2] = (byte) (inner.length >>> 16);
      outer[3] = (byte) (inner.length >>> 8);
      outer[4] = (byte) inner.length;
      System.arraycopy(inner, 0, outer, 5, inner.length);
      inner = outer;
    }
    assertRefused(Reason.MALFORMED_CERTIFICATE, inner);
  }

  @Test
  void parse_deeplyNestedIndefiniteBer_throwsMalformedCertificate() {
    byte[] ber = new byte[RaTlsEvidence.MAX_CERTIFICATE_SIZE];
    for (int i = 0; i < ber.length / 2; i++) {
      ber[2 * i] = 0x30;
      ber[2 * i + 1] = (byte) 0x80;
    }
    assertRefused(Reason.MALFORMED_CERTIFICATE, ber);
  }

  /** The extensions of a freshly issued certificate, rebuilt for {@link #KEY}, optionally with DICE critical. */
  private static List<Extension> issuedExtensions(boolean diceCritical) throws Exception {
    byte[] claims = RaTlsVerifierTest.claims(1, sha256(KEY.getPublic().getEncoded()), null);
    List<Extension> out = new ArrayList<>();
    out.add(new Extension(Extension.basicConstraints, false, new DEROctetString(new BasicConstraints(false))));
    out.add(new Extension(LEGACY, false, new DEROctetString(quote(sha256(KEY.getPublic().getEncoded())))));
    out.add(new Extension(DICE, diceCritical, new DEROctetString(DiceCbor.encodeEvidence(quote(sha256(claims)), claims))));
    return out;
  }

  private static Extension find(List<Extension> exts, ASN1ObjectIdentifier oid) {
    return exts.stream().filter(e -> e.getExtnId().equals(oid)).findFirst().orElseThrow();
  }

  /** A DER certificate for {@code kp} whose extensions are exactly {@code exts}, in order, repeats included. */
  static byte[] assemble(KeyPair kp, List<Extension> exts) throws Exception {
    Certificate base = Certificate.getInstance(RaTlsFixtures.certificate(kp, RaTlsFixtures.extensions()).getEncoded());
    ASN1EncodableVector tbs = new ASN1EncodableVector();
    for (ASN1Encodable e : ASN1Sequence.getInstance(base.getTBSCertificate().toASN1Primitive())) {
      if (!(e instanceof ASN1TaggedObject t && t.getTagNo() == 3)) {
        tbs.add(e);
      }
    }
    tbs.add(new DERTaggedObject(true, 3, new DERSequence(exts.toArray(new Extension[0]))));
    return new DERSequence(new ASN1Encodable[] {new DERSequence(tbs), base.getSignatureAlgorithm(), base.getSignature()})
        .getEncoded(ASN1Encoding.DER);
  }

  private static RaTlsException assertRefused(Reason reason, byte[] der) {
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsEvidence.parse(der));
    assertEquals(Step.EXTRACT_QUOTE, e.step(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }
}
