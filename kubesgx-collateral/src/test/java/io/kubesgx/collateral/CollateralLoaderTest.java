package io.kubesgx.collateral;

import static io.kubesgx.collateral.Samples.fakeCert;
import static io.kubesgx.collateral.Samples.pcsBody;
import static io.kubesgx.collateral.Samples.pem;
import static io.kubesgx.collateral.Samples.qeIdentity;
import static io.kubesgx.collateral.Samples.sgxInfo;
import static io.kubesgx.collateral.Samples.signatureHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CollateralLoaderTest {
  private static final Bytes CRL = Samples.hex("300a020101300502030102ff");

  /** A complete synthetic dcap-qvl document. */
  static JsonBuilder dcapQvl() {
    return JsonBuilder.object()
        .put("pck_crl_issuer_chain", pem(fakeCert(1), fakeCert(2)))
        .put("root_ca_crl", CRL.hex())
        .put("pck_crl", CRL.hex().toUpperCase())
        .put("tcb_info_issuer_chain", pem(fakeCert(3), fakeCert(2)))
        .put("tcb_info", sgxInfo())
        .put("tcb_info_signature", signatureHex())
        .put("qe_identity_issuer_chain", pem(fakeCert(3), fakeCert(2)))
        .put("qe_identity", qeIdentity())
        .put("qe_identity_signature", signatureHex());
  }

  private static String with(String key, JsonValue value) throws MalformedInputException {
    JsonObject o = Json.parseObject(dcapQvl().toString());
    Map<String, JsonValue> m = new LinkedHashMap<>(o.members());
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return Json.write(new JsonObject(m));
  }

  private static String withString(String key, String value) throws MalformedInputException {
    return with(key, new JsonValue.JsonString(value));
  }

  private static void rejects(String json, String messagePart) {
    MalformedInputException e =
        assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDcapQvlJson(json));
    assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
  }

  @Test
  void fromDcapQvlJson_complete_readsEveryField() throws Exception {
    Collateral c = CollateralLoader.fromDcapQvlJson(dcapQvl().toString());
    assertEquals(Optional.of(CRL), c.rootCaCrl());
    assertEquals(Optional.of(CRL), c.pckCrl());
    assertEquals(List.of(fakeCert(1), fakeCert(2)), c.pckCrlIssuerChain());
    assertEquals(List.of(fakeCert(3), fakeCert(2)), c.tcbInfoIssuerChain());
    assertEquals(sgxInfo(), c.tcbInfo().signedJson());
    assertEquals(qeIdentity(), c.qeIdentity().signedJson());
    assertEquals("QE", c.qeIdentity().identity().id());
    assertTrue(c.pckCertificateChain().isEmpty());
  }

  @Test
  void toDcapQvlJson_roundTrip_equal() throws Exception {
    Collateral c = CollateralLoader.fromDcapQvlJson(
        withString("pck_certificate_chain", pem(fakeCert(9), fakeCert(1), fakeCert(2))));
    assertEquals(3, c.pckCertificateChain().size());
    assertEquals(c, CollateralLoader.fromDcapQvlJson(CollateralLoader.toDcapQvlJson(c)));
    Collateral noCrls = CollateralLoader.fromDcapQvlJson(with("root_ca_crl", null).replace("\"pck_crl\"", "\"other\""));
    assertEquals(noCrls, CollateralLoader.fromDcapQvlJson(CollateralLoader.toDcapQvlJson(noCrls)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"absent", "null", "empty", "blank"})
  void fromDcapQvlJson_crlAbsentNullOrEmpty_empty(String how) throws Exception {
    String json;
    switch (how) {
      case "absent": json = with("pck_crl", null); break;
      case "null": json = with("pck_crl", new JsonValue.JsonNull()); break;
      case "empty": json = withString("pck_crl", ""); break;
      default: json = withString("pck_crl", " \n"); break;
    }
    assertEquals(Optional.empty(), CollateralLoader.fromDcapQvlJson(json).pckCrl());
  }

  @Test
  void fromDcapQvlJson_crlAsPem_decoded() throws Exception {
    assertEquals(Optional.of(CRL), CollateralLoader.fromDcapQvlJson(withString("root_ca_crl", Pem.encode("X509 CRL", CRL))).rootCaCrl());
  }

  @Test
  void fromDcapQvlJson_crlPemWithWrongLabel_throws() throws Exception {
    rejects(withString("root_ca_crl", Pem.encode("CERTIFICATE", CRL)), "root_ca_crl: expected exactly one PEM 'X509 CRL' block");
  }

  @Test
  void fromDcapQvlJson_crlGarbageHex_throws() throws Exception {
    rejects(withString("pck_crl", "zz"), "pck_crl: neither PEM nor hex");
    rejects(withString("pck_crl", "3005020101"), "pck_crl: DER SEQUENCE declares 5 content bytes, only 3 present");
    rejects(withString("pck_crl", "0401ff"), "pck_crl: expected a DER SEQUENCE");
    rejects(withString("pck_crl", CRL.hex() + "00"), "pck_crl: 1 unexpected bytes after the DER SEQUENCE");
  }

  @Test
  void fromDcapQvlJson_crlNotString_throws() throws Exception {
    rejects(with("pck_crl", new JsonValue.JsonNumber("1")), "pck_crl: must be a JSON string");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcb_info", "tcb_info_signature", "tcb_info_issuer_chain", "qe_identity",
      "qe_identity_signature", "qe_identity_issuer_chain"})
  void fromDcapQvlJson_requiredFieldMissing_throwsNamingField(String key) throws Exception {
    rejects(with(key, null), key + ": missing");
  }

  @Test
  void fromDcapQvlJson_signature71Bytes_throws() throws Exception {
    rejects(withString("tcb_info_signature", "ab".repeat(71)), "tcb_info_signature: expected 64 bytes, got 71");
    rejects(withString("qe_identity_signature", "ab".repeat(63)), "qe_identity_signature: expected 64 bytes, got 63");
  }

  @Test
  void fromDcapQvlJson_invalidTcbInfo_throwsNamingFieldAndPath() throws Exception {
    rejects(withString("tcb_info", sgxInfo().replace("\"tcbType\":0", "\"tcbType\":1")), "tcb_info: tcbInfo.tcbType");
  }

  @Test
  void fromDcapQvlJson_tcbInfoWithSurroundingWhitespace_throws() throws Exception {
    rejects(withString("tcb_info", " " + sgxInfo()), "tcb_info: tcbInfo: signed text must be exactly one JSON object");
  }

  @Test
  void fromDcapQvlJson_identityInTcbInfoSlot_throws() throws Exception {
    rejects(withString("tcb_info", qeIdentity()), "tcb_info:");
  }

  @Test
  void fromDcapQvlJson_emptyTcbChain_throws() throws Exception {
    rejects(withString("tcb_info_issuer_chain", ""), "tcb_info_issuer_chain: no certificate found");
  }

  @Test
  void fromDcapQvlJson_chainWithNonCertificateBlock_throws() throws Exception {
    rejects(withString("tcb_info_issuer_chain", pem(fakeCert(1)) + Pem.encode("PRIVATE KEY", fakeCert(2))),
        "tcb_info_issuer_chain[1]: expected PEM label CERTIFICATE");
  }

  @Test
  void fromDcapQvlJson_chainWithTextOutsidePem_throws() throws Exception {
    rejects(withString("tcb_info_issuer_chain", "subject=foo\n" + pem(fakeCert(1))), "tcb_info_issuer_chain:");
  }

  @Test
  void fromDcapQvlJson_tooManyCertificates_throws() throws Exception {
    Bytes[] certs = new Bytes[17];
    java.util.Arrays.fill(certs, fakeCert(1));
    rejects(withString("qe_identity_issuer_chain", pem(certs)), "qe_identity_issuer_chain: 17 certificates");
  }

  @Test
  void fromDcapQvlJson_duplicateTopLevelKey_throws() {
    String json = dcapQvl().toString();
    rejects(json.substring(0, json.length() - 1) + ",\"tcb_info\":\"x\"}", "duplicate key 'tcb_info'");
  }

  @Test
  void fromDcapQvlJson_unknownKeys_tolerated() throws Exception {
    CollateralLoader.fromDcapQvlJson(withString("tcb_info_issuer_chain_v2", "whatever"));
  }

  @Test
  void fromDcapQvlJson_notAnObject_throws() {
    rejects("[]", "collateral JSON");
  }

  @Test
  void sha256Digests_coverEveryItem() throws Exception {
    Collateral c = CollateralLoader.fromDcapQvlJson(dcapQvl().toString());
    Map<String, Bytes> d = c.sha256Digests();
    assertEquals(List.of("rootCaCrl", "pckCrl", "pckCrlIssuerChain", "tcbInfo", "tcbInfoSignature",
        "tcbInfoIssuerChain", "qeIdentity", "qeIdentitySignature", "qeIdentityIssuerChain"), new ArrayList<>(d.keySet()));
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    assertEquals(Bytes.of(md.digest(sgxInfo().getBytes(StandardCharsets.UTF_8))), d.get("tcbInfo"));
    assertEquals(Bytes.of(md.digest(CRL.toByteArray())), d.get("rootCaCrl"));
    assertEquals(Bytes.of(md.digest(fakeCert(3).concat(fakeCert(2)).toByteArray())), d.get("tcbInfoIssuerChain"));
    assertNotEquals(d.get("tcbInfo"), d.get("qeIdentity"));
  }

  // --- PCS responses ---------------------------------------------------------------------------

  private static String urlEncode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (Character.isLetterOrDigit(c) && c < 0x80) {
        sb.append(c);
      } else {
        sb.append(String.format("%%%02X", b & 0xff));
      }
    }
    return sb.toString();
  }

  @Test
  void fromPcsResponses_urlEncodedChainsAndDerCrls_decoded() throws Exception {
    String chain = pem(fakeCert(3), fakeCert(2));
    Collateral c = CollateralLoader.fromPcsResponses(
        pcsBody("tcbInfo", sgxInfo()), urlEncode(chain), pcsBody("enclaveIdentity", qeIdentity()), chain,
        CRL.toByteArray(), urlEncode(pem(fakeCert(1), fakeCert(2))), CRL.hex().getBytes(StandardCharsets.US_ASCII),
        pem(fakeCert(7), fakeCert(1)).getBytes(StandardCharsets.US_ASCII));
    assertEquals(List.of(fakeCert(3), fakeCert(2)), c.tcbInfoIssuerChain());
    assertEquals(c.tcbInfoIssuerChain(), c.qeIdentityIssuerChain());
    assertEquals(List.of(fakeCert(1), fakeCert(2)), c.pckCrlIssuerChain());
    assertEquals(Optional.of(CRL), c.pckCrl());
    assertEquals(Optional.of(CRL), c.rootCaCrl());
    assertEquals(List.of(fakeCert(7), fakeCert(1)), c.pckCertificateChain());
    assertEquals(sgxInfo(), c.tcbInfo().signedJson());
  }

  @Test
  void fromPcsResponses_formEncodedSpacesAndPemCrl_decoded() throws Exception {
    String chain = pem(fakeCert(3)).replace("BEGIN CERTIFICATE", "BEGIN+CERTIFICATE").replace("END CERTIFICATE", "END+CERTIFICATE")
        .replace("\n", "%0A");
    Collateral c = CollateralLoader.fromPcsResponses(
        pcsBody("tcbInfo", sgxInfo()), chain, pcsBody("enclaveIdentity", qeIdentity()), chain,
        Pem.encode("X509 CRL", CRL).getBytes(StandardCharsets.US_ASCII), null, null,
        fakeCert(7).concat(fakeCert(1)).toByteArray());
    assertEquals(List.of(fakeCert(3)), c.tcbInfoIssuerChain());
    assertEquals(Optional.of(CRL), c.pckCrl());
    assertTrue(c.pckCrlIssuerChain().isEmpty());
    assertTrue(c.rootCaCrl().isEmpty());
    assertEquals(List.of(fakeCert(7), fakeCert(1)), c.pckCertificateChain());
  }

  @Test
  void fromPcsResponses_badPercentEscape_throws() {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromPcsResponses(
        pcsBody("tcbInfo", sgxInfo()), "%2D%2G", pcsBody("enclaveIdentity", qeIdentity()), pem(fakeCert(1)),
        null, null, null, null));
    assertTrue(e.getMessage().startsWith("tcbInfoIssuerChain: invalid percent escape"), e.getMessage());
  }

  @Test
  void fromPcsResponses_nullBody_throws() {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromPcsResponses(
        null, pem(fakeCert(1)), pcsBody("enclaveIdentity", qeIdentity()), pem(fakeCert(1)), null, null, null, null));
    assertTrue(e.getMessage().contains("tcbInfoBody: missing"), e.getMessage());
  }

  @Test
  void fromPcsResponses_bodiesSwapped_throws() {
    assertThrows(MalformedInputException.class, () -> CollateralLoader.fromPcsResponses(
        pcsBody("enclaveIdentity", qeIdentity()), pem(fakeCert(1)), pcsBody("tcbInfo", sgxInfo()), pem(fakeCert(1)),
        null, null, null, null));
  }

  @Test
  void fromPcsResponses_invalidUtf8Crl_throws() {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromPcsResponses(
        pcsBody("tcbInfo", sgxInfo()), pem(fakeCert(1)), pcsBody("enclaveIdentity", qeIdentity()), pem(fakeCert(1)),
        new byte[] {(byte) 0xff, (byte) 0xfe}, null, null, null));
    assertTrue(e.getMessage().startsWith("pckCrl: not valid UTF-8"), e.getMessage());
  }

  // --- directories -----------------------------------------------------------------------------

  private static void writeIntelLayout(Path dir) throws Exception {
    Files.writeString(dir.resolve("tcbInfo.json"), pcsBody("tcbInfo", sgxInfo()));
    Files.writeString(dir.resolve("tcbSignChain.pem"), pem(fakeCert(3), fakeCert(2)));
    Files.writeString(dir.resolve("qeIdentity.json"), pcsBody("enclaveIdentity", qeIdentity()));
  }

  @Test
  void fromDirectory_minimalIntelLayout_loads(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Collateral c = CollateralLoader.load(dir);
    assertEquals(c.tcbInfoIssuerChain(), c.qeIdentityIssuerChain());
    assertTrue(c.rootCaCrl().isEmpty());
    assertTrue(c.pckCrl().isEmpty());
    assertTrue(c.pckCertificateChain().isEmpty());
  }

  @Test
  void fromDirectory_fullIntelLayout_loads(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Files.writeString(dir.resolve("qeIdentitySignChain.pem"), pem(fakeCert(4), fakeCert(2)));
    Files.write(dir.resolve("rootCaCrl.der"), CRL.toByteArray());
    Files.writeString(dir.resolve("rootCaCrl.pem"), Pem.encode("X509 CRL", CRL));
    Files.writeString(dir.resolve("intermediateCaCrl.pem"), Pem.encode("X509 CRL", CRL));
    Files.writeString(dir.resolve("pckSignChain.pem"), pem(fakeCert(1), fakeCert(2)));
    Files.writeString(dir.resolve("pckCert.pem"), pem(fakeCert(9)));
    Collateral c = CollateralLoader.fromDirectory(dir);
    assertEquals(List.of(fakeCert(4), fakeCert(2)), c.qeIdentityIssuerChain());
    assertEquals(Optional.of(CRL), c.rootCaCrl());
    assertEquals(Optional.of(CRL), c.pckCrl());
    assertEquals(List.of(fakeCert(1), fakeCert(2)), c.pckCrlIssuerChain());
    assertEquals(List.of(fakeCert(9), fakeCert(1), fakeCert(2)), c.pckCertificateChain());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcbSignChain.pem", "qeIdentity.json"})
  void fromDirectory_missingFile_throwsNamingIt(String name, @TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Files.delete(dir.resolve(name));
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().endsWith("missing " + name), e.getMessage());
  }

  @Test
  void fromDirectory_empty_throwsNamingTcbInfo(@TempDir Path dir) {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().contains("missing tcbInfo.json (or collateral.json)"), e.getMessage());
  }

  @Test
  void fromDirectory_malformedFile_messageStartsWithFileName(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Files.writeString(dir.resolve("qeIdentity.json"), pcsBody("enclaveIdentity", qeIdentity().replace("\"QE\"", "\"XE\"")));
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().startsWith("qeIdentity.json: enclaveIdentity.id"), e.getMessage());
  }

  @Test
  void fromDirectory_derAndPemCrlDiffer_throws(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Files.write(dir.resolve("intermediateCaCrl.der"), CRL.toByteArray());
    Files.writeString(dir.resolve("intermediateCaCrl.pem"), Pem.encode("X509 CRL", Samples.hex("3000")));
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().contains("hold different CRLs"), e.getMessage());
  }

  @Test
  void fromDirectory_invalidUtf8_throws(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    byte[] body = pcsBody("tcbInfo", sgxInfo().replace("INTEL-SA-00289", "X")).getBytes(StandardCharsets.UTF_8);
    int i = new String(body, StandardCharsets.ISO_8859_1).indexOf("\"X\"") + 1;
    body[i] = (byte) 0xc3;
    Files.write(dir.resolve("tcbInfo.json"), body);
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().startsWith("tcbInfo.json: file: not valid UTF-8"), e.getMessage());
  }

  @Test
  void fromDirectory_dcapQvlCollateralJson_loads(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("collateral.json"), dcapQvl().toString());
    assertEquals(CollateralLoader.fromDcapQvlJson(dcapQvl().toString()), CollateralLoader.load(dir));
  }

  @Test
  void fromDirectory_bothLayouts_throwsAmbiguous(@TempDir Path dir) throws Exception {
    writeIntelLayout(dir);
    Files.writeString(dir.resolve("collateral.json"), dcapQvl().toString());
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromDirectory(dir));
    assertTrue(e.getMessage().contains("both"), e.getMessage());
  }

  @Test
  void load_file_readsDcapQvlJson(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("x.json");
    Files.writeString(f, dcapQvl().toString());
    assertFalse(CollateralLoader.load(f).tcbInfo().tcbInfo().isTdx());
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.load(dir.resolve("nope")));
    assertTrue(e.getMessage().contains("no such file"), e.getMessage());
  }

  // --- fortanix ----------------------------------------------------------------------------------

  private static String fortanixTcb(String sigArray) {
    return "{\"raw_tcb_info\":" + quote(sgxInfo()) + ",\"signature\":" + sigArray + ",\"ca_chain\":["
        + quote(pem(fakeCert(3))) + "," + quote(pem(fakeCert(2))) + "]}";
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    Json.quote(s, sb);
    return sb.toString();
  }

  private static String intArray(byte[] der) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < der.length; i++) {
      sb.append(i == 0 ? "" : ",").append(der[i] & 0xff);
    }
    return sb.append(']').toString();
  }

  private static byte[] derSig(byte[] r, byte[] s) {
    byte[] out = new byte[2 + 2 + r.length + 2 + s.length];
    out[0] = 0x30;
    out[1] = (byte) (out.length - 2);
    out[2] = 0x02;
    out[3] = (byte) r.length;
    System.arraycopy(r, 0, out, 4, r.length);
    out[4 + r.length] = 0x02;
    out[5 + r.length] = (byte) s.length;
    System.arraycopy(s, 0, out, 6 + r.length, s.length);
    return out;
  }

  @Test
  void fromFortanixTcbFile_derSignature_convertedToRs() throws Exception {
    byte[] r = new byte[33];
    r[1] = (byte) 0x80;
    r[32] = 1;
    byte[] s = {0x05};
    FortanixTcbFile f = CollateralLoader.fromFortanixTcbFile(fortanixTcb(intArray(derSig(r, s))));
    byte[] expected = new byte[64];
    expected[0] = (byte) 0x80;
    expected[31] = 1;
    expected[63] = 5;
    assertEquals(Bytes.of(expected), f.tcbInfo().signature());
    assertEquals(List.of(fakeCert(3), fakeCert(2)), f.chain());
    assertEquals(sgxInfo(), f.tcbInfo().signedJson());
  }

  @Test
  void fromFortanixTcbFile_badDer_throws() {
    byte[] one = {1};
    List<byte[]> bad = List.of(
        derSig(new byte[] {0, 1}, one),                 // non-minimal r
        derSig(new byte[] {(byte) 0x80}, one),          // negative r
        derSig(new byte[] {0}, one),                    // zero r
        derSig(new byte[33], one),                      // 33 bytes, non-minimal
        derSig(new byte[] {1, 2, 3}, new byte[34]),     // s too long
        java.util.Arrays.copyOf(derSig(one, one), 9),   // trailing byte
        new byte[] {0x31, 6, 2, 1, 1, 2, 1, 1},          // SET instead of SEQUENCE
        new byte[] {0x30, 7, 2, 1, 1, 2, 1, 1});         // length mismatch
    for (byte[] der : bad) {
      assertThrows(MalformedInputException.class, () -> CollateralLoader.fromFortanixTcbFile(fortanixTcb(intArray(der))),
          () -> Bytes.of(der).hex());
    }
    byte[] n = Samples.hex("00FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551").toByteArray();
    assertThrows(MalformedInputException.class, () -> CollateralLoader.fromFortanixTcbFile(fortanixTcb(intArray(derSig(n, one)))));
    assertThrows(MalformedInputException.class, () -> CollateralLoader.fromFortanixTcbFile(fortanixTcb("[48,256]")));
    assertThrows(MalformedInputException.class, () -> CollateralLoader.fromFortanixTcbFile(fortanixTcb("\"3006\"")));
  }

  @Test
  void fromFortanixIdentityFile_missingChain_throws() {
    String json = "{\"raw_enclave_identity\":" + quote(qeIdentity()) + ",\"signature\":"
        + intArray(derSig(new byte[] {1}, new byte[] {1})) + ",\"ca_chain\":[]}";
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> CollateralLoader.fromFortanixIdentityFile(json));
    assertTrue(e.getMessage().startsWith("ca_chain: expected 1..16 entries, got 0"), e.getMessage());
  }
}
