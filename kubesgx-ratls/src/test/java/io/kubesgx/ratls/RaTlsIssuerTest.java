package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.Test;

class RaTlsIssuerTest {
  /** Tag 06, length 0B, then Gramine's 11 content bytes (the complete DER of 1.2.840.113741.1337.6). */
  private static final byte[] LEGACY_OID_TLV = HexFormat.of().parseHex("060b06092a864886f84d8a3906");

  @Test
  void issue_defaultKey_hasGramineCertificateLayout() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();

    X500Name subject = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
    RDN[] rdns = subject.getRDNs();
    assertEquals(3, rdns.length);
    assertEquals(BCStyle.CN, rdns[0].getFirst().getType());
    assertEquals("RATLS", rdns[0].getFirst().getValue().toString());
    assertEquals(BCStyle.O, rdns[1].getFirst().getType());
    assertEquals("GramineDevelopers", rdns[1].getFirst().getValue().toString());
    assertEquals(BCStyle.C, rdns[2].getFirst().getType());
    assertEquals("US", rdns[2].getFirst().getValue().toString());
    assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
    assertEquals(BigInteger.ONE, c.getSerialNumber());
    assertEquals("1.2.840.10045.4.3.2", c.getSigAlgOID());
    assertEquals(Instant.parse("2001-01-01T00:00:00Z"), c.getNotBefore().toInstant());
    assertEquals(Instant.parse("2030-12-31T23:59:59Z"), c.getNotAfter().toInstant());
    assertEquals(384, ((ECPublicKey) c.getPublicKey()).getParams().getCurve().getField().getFieldSize());
    assertEquals(-1, c.getBasicConstraints());
    assertEquals(Set.of(), c.getCriticalExtensionOIDs());
    assertEquals(Set.of(Extension.basicConstraints.getId(), Extension.subjectKeyIdentifier.getId(),
        Extension.authorityKeyIdentifier.getId(), RaTlsOids.LEGACY_QUOTE, RaTlsOids.DICE_TAGGED_EVIDENCE),
        c.getNonCriticalExtensionOIDs());
    c.verify(c.getPublicKey());
  }

  @Test
  void issue_legacyExtension_hasGramineOidBytesAndRawQuoteBindingSpki() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    byte[] der = c.getEncoded();
    int at = indexOf(der, LEGACY_OID_TLV);
    assertTrue(at > 0, "the legacy OID TLV 06 0B 06 09 2A 86 48 86 F8 4D 8A 39 06 is in the certificate");
    // After the OID comes the OCTET STRING (tag 04) whose content is the raw quote: no further wrapping.
    byte[] value = extension(c, RaTlsOids.LEGACY_QUOTE);
    EnclaveReportBody body = (EnclaveReportBody) QuoteParser.parse(value).body();
    byte[] rd = body.reportData().toByteArray();
    assertArrayEquals(sha256(c.getPublicKey().getEncoded()), Arrays.copyOf(rd, 32));
    assertArrayEquals(new byte[32], Arrays.copyOfRange(rd, 32, 64));
  }

  @Test
  void issue_diceEvidence_readByIndependentCborLibrary() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    byte[] value = extension(c, RaTlsOids.DICE_TAGGED_EVIDENCE);

    CBORObject tagged = CBORObject.DecodeFromBytes(value);
    assertTrue(tagged.HasMostOuterTag(60000));
    CBORObject evidence = tagged.UntagOne();
    assertEquals(CBORType.Array, evidence.getType());
    assertEquals(2, evidence.size());
    assertEquals(CBORType.ByteString, evidence.get(0).getType());
    assertEquals(CBORType.ByteString, evidence.get(1).getType());
    byte[] quote = evidence.get(0).GetByteString();
    byte[] claims = evidence.get(1).GetByteString();

    CBORObject map = CBORObject.DecodeFromBytes(claims);
    assertEquals(CBORType.Map, map.getType());
    assertEquals(1, map.size());
    CBORObject entryBytes = map.get("pubkey-hash");
    assertEquals(CBORType.ByteString, entryBytes.getType());
    CBORObject entry = CBORObject.DecodeFromBytes(entryBytes.GetByteString());
    assertEquals(CBORType.Array, entry.getType());
    assertEquals(2, entry.size());
    assertEquals(1, entry.get(0).AsInt32Value());
    assertArrayEquals(sha256(c.getPublicKey().getEncoded()), entry.get(1).GetByteString());

    byte[] rd = ((EnclaveReportBody) QuoteParser.parse(quote).body()).reportData().toByteArray();
    assertArrayEquals(sha256(claims), Arrays.copyOf(rd, 32));
    assertArrayEquals(new byte[32], Arrays.copyOfRange(rd, 32, 64));
    // Definite lengths and shortest forms: re-encoding the decoded item gives the same bytes.
    assertArrayEquals(value, tagged.EncodeToBytes());
    assertArrayEquals(claims, map.EncodeToBytes());
  }

  @Test
  void issue_diceAndLegacy_carryDifferentQuotes() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    byte[] legacy = extension(c, RaTlsOids.LEGACY_QUOTE);
    byte[] diceQuote = CBORObject.DecodeFromBytes(extension(c, RaTlsOids.DICE_TAGGED_EVIDENCE)).UntagOne().get(0).GetByteString();
    assertFalse(Arrays.equals(legacy, diceQuote));
  }

  @Test
  void issue_p256_usesP256Key() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P256).certificate();
    assertEquals(256, ((ECPublicKey) c.getPublicKey()).getParams().getCurve().getField().getFieldSize());
    assertEquals("1.2.840.10045.4.3.2", c.getSigAlgOID());
  }

  @Test
  void issue_twice_makesFreshKeys() throws Exception {
    RaTlsIssuer issuer = RaTlsIssuer.builder().quoteProvider(RaTlsFixtures.provider()).build();
    RaTlsCredential a = issuer.issue();
    RaTlsCredential b = issuer.issue();
    assertNotEquals(a.certificate().getPublicKey(), b.certificate().getPublicKey());
    assertFalse(a.toString().contains(a.privateKey().toString()));
  }

  @Test
  void issue_customValidity_isWritten() throws Exception {
    Instant nb = Instant.parse("2026-01-01T00:00:00Z");
    Instant na = Instant.parse("2027-01-01T00:00:00Z");
    X509Certificate c = RaTlsIssuer.builder().quoteProvider(RaTlsFixtures.provider())
        .clock(Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC)).validity(nb, na).build().issue().certificate();
    assertEquals(nb, c.getNotBefore().toInstant());
    assertEquals(na, c.getNotAfter().toInstant());
  }

  @Test
  void issue_clockOutsideValidity_throwsIssueBadConfiguration() {
    RaTlsIssuer issuer = RaTlsIssuer.builder().quoteProvider(RaTlsFixtures.provider())
        .clock(Clock.fixed(Instant.parse("2031-01-01T00:00:00Z"), ZoneOffset.UTC)).build();
    RaTlsException e = assertThrows(RaTlsException.class, issuer::issue);
    assertEquals(RaTlsException.Step.ISSUE, e.step());
    assertEquals(RaTlsException.Reason.BAD_CONFIGURATION, e.reason());
  }

  @Test
  void issue_quoteProviderFails_throwsIssueQuoteUnavailable() {
    QuoteProvider failing = new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) throws QuoteProviderException {
        throw new QuoteProviderException(QuoteProviderException.Reason.UNAVAILABLE, "the AESM socket is not there");
      }

      @Override
      public String name() {
        return "aesm";
      }

      @Override
      public boolean isSimulated() {
        return false;
      }
    };
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder().quoteProvider(failing).build().issue());
    assertEquals(RaTlsException.Step.ISSUE, e.step());
    assertEquals(RaTlsException.Reason.QUOTE_UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("the AESM socket is not there"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void issue_quoteProviderReturnsTinyQuote_throwsIssueQuoteUnavailable() {
    QuoteProvider tiny = new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) {
        return new byte[16];
      }

      @Override
      public String name() {
        return "broken";
      }

      @Override
      public boolean isSimulated() {
        return false;
      }
    };
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder().quoteProvider(tiny).build().issue());
    assertEquals(RaTlsException.Reason.QUOTE_UNAVAILABLE, e.reason());
  }

  @Test
  void validityFromEnvironment_gramineTimestamps_areUsed() throws Exception {
    X509Certificate c = RaTlsIssuer.builder().quoteProvider(RaTlsFixtures.provider())
        .clock(Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC))
        .validityFromEnvironment(java.util.Map.of("RA_TLS_CERT_TIMESTAMP_NOT_BEFORE", "20260101000000",
            "RA_TLS_CERT_TIMESTAMP_NOT_AFTER", "20270630235959"))
        .build().issue().certificate();
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), c.getNotBefore().toInstant());
    assertEquals(Instant.parse("2027-06-30T23:59:59Z"), c.getNotAfter().toInstant());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", "2026", "20261301000000", "20260230000000", "2026010100000x",
      "202601010000000", "+2026010100000"})
  void validityFromEnvironment_badTimestamp_throwsInit(String value) {
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder()
        .validityFromEnvironment(java.util.Map.of("RA_TLS_CERT_TIMESTAMP_NOT_BEFORE", value)));
    assertEquals(RaTlsException.Step.INIT, e.step());
    assertTrue(e.getMessage().contains("RA_TLS_CERT_TIMESTAMP_NOT_BEFORE"), e.getMessage());
  }

  @Test
  void validityFromEnvironment_notBeforeAfterNotAfter_throwsInit() {
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder()
        .validityFromEnvironment(java.util.Map.of("RA_TLS_CERT_TIMESTAMP_NOT_BEFORE", "20310101000000")));
    assertEquals(RaTlsException.Reason.BAD_CONFIGURATION, e.reason());
  }

  @Test
  void build_withoutQuoteProvider_throwsIllegalState() {
    assertThrows(IllegalStateException.class, () -> RaTlsIssuer.builder().build());
  }

  static byte[] extension(X509Certificate c, String oid) throws MalformedInputException {
    try {
      Certificate bc = Certificate.getInstance(c.getEncoded());
      Extension e = bc.getTBSCertificate().getExtensions().getExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(oid));
      return ASN1OctetString.getInstance(e.getExtnValue()).getOctets();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** A provider that hands {@code transform} the quote the simulated enclave made for the requested REPORTDATA. */
  private static QuoteProvider altered(java.util.function.UnaryOperator<byte[]> request,
      java.util.function.UnaryOperator<byte[]> transform) {
    QuoteProvider real = RaTlsFixtures.provider();
    return new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) throws QuoteProviderException {
        return transform.apply(real.quote(request.apply(reportData)));
      }

      @Override
      public String name() {
        return "altered";
      }

      @Override
      public boolean isSimulated() {
        return true;
      }
    };
  }

  @Test
  void issue_quoteProviderReturnsTdxQuote_throwsIssueQuoteUnavailable() {
    io.kubesgx.sim.pki.DcapPki pki = io.kubesgx.testing.TestPki.standard();
    byte[] tdx = io.kubesgx.testing.QuoteBuilder.tdxV4(pki,
        pki.issuePck(io.kubesgx.testing.TestPki.pckSpec().ca(io.kubesgx.pck.PckCa.PLATFORM).build())).build();
    QuoteProvider td = altered(rd -> rd, q -> tdx);
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder().quoteProvider(td).build().issue());
    assertEquals(RaTlsException.Reason.QUOTE_UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("SGX enclave quote"), e.getMessage());
  }

  @Test
  void issue_quoteProviderPadsQuote_throwsIssueQuoteUnavailable() {
    QuoteProvider padding = altered(rd -> rd, q -> java.util.Arrays.copyOf(q, q.length + 8));
    RaTlsException e = assertThrows(RaTlsException.class, () -> RaTlsIssuer.builder().quoteProvider(padding).build().issue());
    assertEquals(RaTlsException.Reason.QUOTE_UNAVAILABLE, e.reason());
  }
}
