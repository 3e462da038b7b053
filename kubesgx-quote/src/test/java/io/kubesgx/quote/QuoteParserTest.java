package io.kubesgx.quote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class QuoteParserTest {
  private static final Path VECTORS = Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors");

  static byte[] read(String rel) throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(VECTORS), "shared vectors absent: " + VECTORS.toAbsolutePath() + " — skipping");
    byte[] b = Files.readAllBytes(VECTORS.resolve(rel));
    if (Hex.looksLikeHexText(b)) {
      return Hex.decodeLenientText(new String(b, StandardCharsets.US_ASCII));
    }
    return b;
  }

  @Test
  void parse_everyVectorQuote_matchesFieldsReadFromBytes() throws Exception {
    byte[] idx = read("expected.json");
    JsonObject root = Json.parseObject(new String(idx, StandardCharsets.UTF_8));
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (JsonValue cv : root.array("cases")) {
      JsonObject c = (JsonObject) cv;
      String id = c.string("id");
      Quote q = QuoteParser.parse(read(c.string("quote")), TrailingDataPolicy.ZERO_PADDING);
      JsonValue f = c.get("fields_read_from_bytes");
      if (!(f instanceof JsonObject)) {
        continue;
      }
      for (Map.Entry<String, JsonValue> e : ((JsonObject) f).members().entrySet()) {
        String actual = field(q, e.getKey());
        if (actual == null) {
          continue;
        }
        checked++;
        String want = e.getValue() instanceof JsonValue.JsonString
            ? ((JsonValue.JsonString) e.getValue()).value().toLowerCase()
            : Json.write(e.getValue());
        if (!want.equals(actual)) {
          failures.add(id + " " + e.getKey() + ": want " + want + " got " + actual);
        }
      }
    }
    assertTrue(checked > 50, "checked " + checked);
    assertEquals(List.of(), failures);
  }

  private static String field(Quote q, String key) {
    QuoteBody b = q.body();
    switch (key) {
      case "header.version":
        return Integer.toString(q.header().version());
      case "header.att_key_type":
        return Integer.toString(q.header().attestationKeyType());
      case "header.tee_type":
        return Long.toString(q.header().teeTypeRaw());
      case "header.qe_vendor_id":
        return q.header().qeVendorId().hex();
      case "header.user_data":
        return q.header().userData().hex();
      case "cert_data_type":
        return Integer.toString(q.signatureData().certificationData().type());
      case "bytes_after_signature_data":
        return Integer.toString(q.trailingLength());
      case "report.mr_enclave":
        return b instanceof EnclaveReportBody ? ((EnclaveReportBody) b).mrEnclave().hex() : null;
      case "report.mr_signer":
        return b instanceof EnclaveReportBody ? ((EnclaveReportBody) b).mrSigner().hex() : null;
      case "report.report_data":
        return b.reportData().hex();
      case "report.cpu_svn":
        return b instanceof EnclaveReportBody ? ((EnclaveReportBody) b).cpuSvn().hex() : null;
      case "report.attributes":
        return b instanceof EnclaveReportBody ? ((EnclaveReportBody) b).attributes().hex() : null;
      case "report.isv_prod_id":
        return b instanceof EnclaveReportBody ? Integer.toString(((EnclaveReportBody) b).isvProdId()) : null;
      case "report.isv_svn":
        return b instanceof EnclaveReportBody ? Integer.toString(((EnclaveReportBody) b).isvSvn()) : null;
      case "qe_report.isv_svn":
        return Integer.toString(q.signatureData().qeReport().isvSvn());
      case "qe_report.isv_prod_id":
        return Integer.toString(q.signatureData().qeReport().isvProdId());
      case "qe_report.mr_signer":
        return q.signatureData().qeReport().mrSigner().hex();
      case "qe_report.attributes":
        return q.signatureData().qeReport().attributes().hex();
      case "report.mr_td":
        return b instanceof TdReportBody ? ((TdReportBody) b).mrTd().hex() : null;
      case "report.tee_tcb_svn":
        return b instanceof TdReportBody ? ((TdReportBody) b).teeTcbSvn().hex() : null;
      case "report.mr_seam":
        return b instanceof TdReportBody ? ((TdReportBody) b).mrSeam().hex() : null;
      case "report.td_attributes":
        return b instanceof TdReportBody ? ((TdReportBody) b).tdAttributes().hex() : null;
      default:
        return null;
    }
  }

  @Test
  void parse_trailingZeros_strictRejectsDefaultAccepts() throws Exception {
    byte[] q = read("oasis-core/quote_v4_tdx_ecdsa_p256_trailing.bin");
    assertThrows(MalformedInputException.class, () -> QuoteParser.parse(q, TrailingDataPolicy.STRICT));
    Quote parsed = QuoteParser.parse(q, TrailingDataPolicy.ZERO_PADDING);
    assertEquals(4936, parsed.quoteLength());
    assertEquals(70, parsed.trailingLength());
    Quote lenient = QuoteParser.parse(q, TrailingDataPolicy.INSECURE_LENIENT);
    assertEquals(4936, lenient.quoteLength());
  }

  @Test
  void parse_nonZeroTrailingByte_rejectedUnlessLenient() throws Exception {
    byte[] q = read("phala-dcap-qvl/sgx_quote");
    byte[] padded = Arrays.copyOf(q, q.length + 3);
    padded[padded.length - 1] = 1;
    assertThrows(MalformedInputException.class, () -> QuoteParser.parse(padded));
    assertEquals(3, QuoteParser.parse(padded, TrailingDataPolicy.INSECURE_LENIENT).trailingLength());
  }

  @Test
  void parse_v5TdReport15_exposesTd15Fields() throws Exception {
    Quote q = QuoteParser.parse(read("phala-dcap-qvl/tdx_quote_outdated"));
    assertEquals(5, q.header().version());
    assertEquals(3, q.v5BodyType().getAsInt());
    TdReportBody td = assertInstanceOf(TdReportBody.class, q.body());
    assertTrue(td.isTd15());
    assertEquals(702, q.signedRegion().length());
    assertEquals(CertificationData.PCK_CHAIN, q.signatureData().certificationData().type());
  }

  @Test
  void parse_intelTdxSample_derChainAndEmptyAuthData() throws Exception {
    Quote q = QuoteParser.parse(read("intel-qvl-sampledata/tdx/quote.dat"));
    assertEquals(TeeType.TDX, q.teeType());
    assertEquals(0, q.signatureData().qeAuthData().length());
    assertEquals(0x30, q.signatureData().certificationData().data().get(0));
  }

  @Test
  void parse_eppidQuote_exposesType3PpidInfo() throws Exception {
    Quote q = QuoteParser.parse(read("oasis-core/quote_v3_ecdsa_p256_eppid.bin"));
    CertificationData cd = q.signatureData().certificationData();
    assertEquals(3, cd.type());
    CertificationData.PpidInfo info = cd.ppidInfo().orElseThrow();
    assertEquals(12, info.pceSvn());
    assertEquals("05050c0cffff01000000000000000000", info.cpuSvn().hex());
    assertEquals(0, info.pceId().orElseThrow());
  }

  @Test
  void parse_intelSgxSample_type1Has34BytesWithoutPceId() throws Exception {
    Quote q = QuoteParser.parse(read("intel-qvl-sampledata/quote.dat"));
    CertificationData cd = q.signatureData().certificationData();
    assertEquals(1, cd.type());
    assertEquals(34, cd.data().length());
    assertFalse(cd.ppidInfo().orElseThrow().pceId().isPresent());
    assertEquals(3, cd.ppidInfo().orElseThrow().pceSvn());
  }

  @Test
  void parse_everyTruncation_throwsMalformed() throws Exception {
    byte[] q = read("phala-dcap-qvl/sgx_quote");
    for (int n = 0; n < q.length; n += 7) {
      byte[] t = Arrays.copyOf(q, n);
      assertThrows(MalformedInputException.class, () -> QuoteParser.parse(t, TrailingDataPolicy.INSECURE_LENIENT), "length " + n);
    }
  }

  @Test
  void parse_signatureLengthOverrun_throwsMalformed() throws Exception {
    byte[] q = read("phala-dcap-qvl/sgx_quote");
    byte[] m = q.clone();
    m[432] = (byte) 0xff;
    m[433] = (byte) 0xff;
    m[434] = (byte) 0xff;
    m[435] = (byte) 0x7f;
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> QuoteParser.parse(m));
    assertTrue(e.getMessage().contains("signature data length"), e.getMessage());
  }

  @Test
  void parse_unknownVersion_throwsMalformed() throws Exception {
    byte[] q = read("phala-dcap-qvl/sgx_quote").clone();
    q[0] = 6;
    assertThrows(MalformedInputException.class, () -> QuoteParser.parse(q));
  }

  @Test
  void parse_signedRegion_isExactPrefix() throws Exception {
    byte[] q = read("phala-dcap-qvl/sgx_quote");
    Quote parsed = QuoteParser.parse(q);
    assertArrayEquals(Arrays.copyOf(q, 432), parsed.signedRegion().toByteArray());
  }
}
