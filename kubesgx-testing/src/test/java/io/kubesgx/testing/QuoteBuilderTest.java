package io.kubesgx.testing;

import io.kubesgx.sim.pki.DcapPki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.pck.Certificates;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TdReportBody;
import io.kubesgx.quote.TeeType;
import io.kubesgx.quote.TrailingDataPolicy;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuoteBuilderTest {
  private static final DcapPki PKI = TestPki.standard();
  private static final DcapPki.Issued LEAF = PKI.issuePck(TestPki.pckSpec().build());
  private static final DcapPki.Issued PLATFORM_LEAF =
      PKI.issuePck(TestPki.pckSpec().ca(PckCa.PLATFORM).keyLabel("platform").build());

  @ParameterizedTest
  @EnumSource(QuoteBuilder.Format.class)
  void build_everyFormat_parsesWithValidSignaturesAndBinding(QuoteBuilder.Format format) throws Exception {
    DcapPki.Issued leaf = format.isTdx() ? PLATFORM_LEAF : LEAF;
    QuoteBuilder b = QuoteBuilder.newBuilder(format, PKI, leaf);
    Quote q = QuoteParser.parse(b.build(), TrailingDataPolicy.STRICT);
    assertEquals(format.isTdx() ? TeeType.TDX : TeeType.SGX, q.teeType());
    assertEquals(2, q.header().attestationKeyType());
    assertTrue(q.header().isIntelQeVendor());
    var sd = q.signatureData();
    assertTrue(Ecdsa.verifyP1363(Ecdsa.publicKeyFromXy(sd.attestationKey()), q.signedRegion().toByteArray(), sd.quoteSignature()));
    assertTrue(Ecdsa.verifyP1363(leaf.key().publicKey(), sd.qeReport().raw().toByteArray(), sd.qeReportSignature()));
    Bytes binding = sd.attestationKey().concat(sd.qeAuthData()).sha256();
    assertEquals(binding.concat(Bytes.zeros(32)), sd.qeReport().reportData());
    assertEquals(QuoteBuilder.DEFAULT_QE_AUTH_DATA, sd.qeAuthData());
    assertEquals(CertificationData.PCK_CHAIN, sd.certificationData().type());
    Bytes chain = sd.certificationData().data();
    assertEquals(0, chain.get(chain.length() - 1), "type-5 PEM ends with a NUL like real quotes");
    assertEquals(PKI.pckChain(leaf), Certificates.parseAll(chain.toByteArray()));
    assertEquals(format.name().startsWith("SGX_V3") ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(6),
        sd.outerCertificationType());
  }

  @Test
  void build_sgxV3_hasIntelLayoutOffsets() throws Exception {
    byte[] quote = QuoteBuilder.sgxV3(PKI, LEAF).isvSvn(7).isvProdId(9).configSvn(3).build();
    assertEquals(3, quote[0]);
    assertEquals(2, quote[2]);
    EnclaveReportBody body = (EnclaveReportBody) QuoteParser.parse(quote).body();
    assertEquals(7, body.isvSvn());
    assertEquals(9, body.isvProdId());
    assertEquals(3, body.configSvn());
    assertEquals(QuoteBuilder.QE_FLAGS, QuoteParser.parse(quote).signatureData().qeReport().attributeFlags());
    // signature data length at 432, quote signature at 436 (dcap-verification.md §1.4)
    int sigLen = (quote[432] & 0xff) | (quote[433] & 0xff) << 8 | (quote[434] & 0xff) << 16;
    assertEquals(quote.length, 436 + sigLen);
  }

  @Test
  void build_debug_setsSgxDebugFlagAndTdDebugBit() throws Exception {
    EnclaveReportBody sgx = (EnclaveReportBody) QuoteParser.parse(QuoteBuilder.sgxV3(PKI, LEAF).debug(true).build()).body();
    assertTrue(sgx.isDebug());
    TdReportBody td = (TdReportBody) QuoteParser.parse(QuoteBuilder.tdxV4(PKI, PLATFORM_LEAF).debug(true).build()).body();
    assertTrue(td.isDebug());
    assertEquals(0x10, td.tdAttributes().get(3), "SEPT_VE_DISABLE stays set");
  }

  @Test
  void build_td15_carriesTeeTcbSvn2AndServiceTd() throws Exception {
    Quote q = QuoteParser.parse(QuoteBuilder.tdxV5(PKI, PLATFORM_LEAF, true).teeTcbSvn(4, 1, 2).build());
    TdReportBody td = (TdReportBody) q.body();
    assertTrue(td.isTd15());
    assertEquals(td.teeTcbSvn(), td.teeTcbSvn2().orElseThrow());
    assertEquals(3, q.v5BodyType().getAsInt());
    assertEquals(TdReportBody.SIZE_V15 + 54, q.signedRegion().length());
  }

  @Test
  void build_sameInputs_isByteIdentical() {
    assertTrue(Arrays.equals(QuoteBuilder.sgxV3(PKI, LEAF).build(), QuoteBuilder.sgxV3(PKI, LEAF).build()));
  }

  @Test
  void build_corruptions_breakOnlyTheirTarget() throws Exception {
    Quote badData = QuoteParser.parse(QuoteBuilder.sgxV3(PKI, LEAF).corruptQeReportData().build());
    assertTrue(Ecdsa.verifyP1363(LEAF.key().publicKey(), badData.signatureData().qeReport().raw().toByteArray(),
        badData.signatureData().qeReportSignature()));
    Quote badQeSig = QuoteParser.parse(QuoteBuilder.sgxV3(PKI, LEAF).corruptQeReportSignature().build());
    assertFalse(Ecdsa.verifyP1363(LEAF.key().publicKey(), badQeSig.signatureData().qeReport().raw().toByteArray(),
        badQeSig.signatureData().qeReportSignature()));
    Quote badSig = QuoteParser.parse(QuoteBuilder.sgxV3(PKI, LEAF).corruptQuoteSignature().build());
    assertFalse(Ecdsa.verifyP1363(Ecdsa.publicKeyFromXy(badSig.signatureData().attestationKey()),
        badSig.signedRegion().toByteArray(), badSig.signatureData().quoteSignature()));
  }

  @Test
  void build_certificationType3_carriesOpaquePayload() throws Exception {
    Quote q = QuoteParser.parse(QuoteBuilder.sgxV3(PKI, LEAF).certificationData(3, Bytes.zeros(404)).build());
    assertEquals(3, q.signatureData().certificationData().type());
    assertEquals(404, q.signatureData().certificationData().data().length());
  }

  @Test
  void build_trailingZeros_acceptedByDefaultRejectedStrictly() throws Exception {
    byte[] padded = QuoteBuilder.tdxV4(PKI, PLATFORM_LEAF).trailingZeros(70).build();
    assertEquals(70, QuoteParser.parse(padded).trailingLength());
    assertThrows(io.kubesgx.common.MalformedInputException.class, () -> QuoteParser.parse(padded, TrailingDataPolicy.STRICT));
  }

  @Test
  void newBuilder_chainNotStartingWithLeaf_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> QuoteBuilder.newBuilder(QuoteBuilder.Format.SGX_V3, LEAF, List.of(PKI.rootCertificate())));
  }
}
