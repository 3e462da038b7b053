package io.kubesgx.collateral;

import static io.kubesgx.collateral.Samples.pcsBody;
import static io.kubesgx.collateral.Samples.qeIdentity;
import static io.kubesgx.collateral.Samples.sgxInfo;
import static io.kubesgx.collateral.Samples.signatureHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignedBodiesTest {

  private static void rejects(String body, String messagePart) {
    MalformedInputException e =
        assertThrows(MalformedInputException.class, () -> SignedBodies.parsePcsTcbInfoBody(body));
    assertTrue(e.getMessage().contains(messagePart), () -> "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
  }

  @Test
  void parsePcsTcbInfoBody_compact_slicesExactInnerText() throws Exception {
    String inner = sgxInfo();
    SignedTcbInfo s = SignedBodies.parsePcsTcbInfoBody(pcsBody("tcbInfo", inner));
    assertEquals(inner, s.signedJson());
    assertEquals(Bytes.of(inner.getBytes(StandardCharsets.UTF_8)), s.signedBytes());
    assertEquals(Bytes.fromHex(signatureHex()), s.signature());
    assertEquals(TcbInfoParser.parse(inner), s.tcbInfo());
  }

  @Test
  void parsePcsTcbInfoBody_whitespaceBetweenTokens_slicesWithoutSurroundingWhitespace() throws Exception {
    String inner = sgxInfo();
    String body = " \n{ \"tcbInfo\" :\t" + inner + " \r\n, \"signature\" : \"" + signatureHex() + "\" }\n ";
    assertEquals(inner, SignedBodies.parsePcsTcbInfoBody(body).signedJson());
  }

  @Test
  void parsePcsTcbInfoBody_innerWhitespaceAndNonAscii_keptVerbatim() throws Exception {
    String inner = sgxInfo().replace("\"tcbType\":0", "\"tcbType\" : 0 ,\"note\":\"caf\u00e9 \\u00e9 \uD83D\uDE00\"");
    SignedTcbInfo s = SignedBodies.parsePcsTcbInfoBody(pcsBody("tcbInfo", inner));
    assertEquals(inner, s.signedJson());
    assertEquals(Bytes.of(inner.getBytes(StandardCharsets.UTF_8)), s.signedBytes());
  }

  @Test
  void parsePcsTcbInfoBody_signatureMarkerInsideSignedText_stillSlicesAtEnd() throws Exception {
    String inner = sgxInfo().replace("INTEL-SA-00289", ",\\\"signature\\\":\\\"00\\\"}");
    SignedTcbInfo s = SignedBodies.parsePcsTcbInfoBody(pcsBody("tcbInfo", inner));
    assertEquals(inner, s.signedJson());
  }

  @Test
  void parsePcsEnclaveIdentityBody_compact_slicesExactInnerText() throws Exception {
    String inner = qeIdentity();
    SignedEnclaveIdentity s = SignedBodies.parsePcsEnclaveIdentityBody(pcsBody("enclaveIdentity", inner));
    assertEquals(inner, s.signedJson());
    assertEquals(EnclaveIdentityParser.parse(inner), s.identity());
  }

  @Test
  void parsePcsEnclaveIdentityBody_tcbInfoBody_throws() {
    assertThrows(MalformedInputException.class,
        () -> SignedBodies.parsePcsEnclaveIdentityBody(pcsBody("tcbInfo", sgxInfo())));
  }

  @Test
  void parsePcsTcbInfoBody_signature63Bytes_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"" + "ab".repeat(63) + "\"}", "signature: expected 64 bytes, got 63");
  }

  @Test
  void parsePcsTcbInfoBody_signature65Bytes_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"" + "ab".repeat(65) + "\"}", "signature: expected 64 bytes, got 65");
  }

  @Test
  void parsePcsTcbInfoBody_signatureOddHex_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"" + "ab".repeat(64) + "a\"}", "signature");
  }

  @Test
  void parsePcsTcbInfoBody_signatureNotHex_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"" + "zz".repeat(64) + "\"}", "signature: non-hex");
  }

  @Test
  void parsePcsTcbInfoBody_signatureNotString_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":1}", "signature: must be a JSON string");
  }

  @Test
  void parsePcsTcbInfoBody_signatureWithEscape_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"\\u0061b" + "ab".repeat(63) + "\"}", "escapes are not allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "}", "{}", ",", "\u0000", "/* */"})
  void parsePcsTcbInfoBody_trailingGarbage_throws(String garbage) {
    rejects(pcsBody("tcbInfo", sgxInfo()) + garbage, "tcbInfo body");
  }

  @Test
  void parsePcsTcbInfoBody_secondSignatureKeyTrick_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"aa\",\"x\":1,\"signature\":\"" + signatureHex() + "\"}",
        "duplicate key 'signature'");
  }

  @Test
  void parsePcsTcbInfoBody_extraMemberBeforeSignature_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"x\":1,\"signature\":\"" + signatureHex() + "\"}", "expected exactly the members");
  }

  @Test
  void parsePcsTcbInfoBody_extraMemberAfterSignature_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"signature\":\"" + signatureHex() + "\",\"x\":1}", "expected exactly the members");
  }

  @Test
  void parsePcsTcbInfoBody_signatureFirst_throws() {
    rejects("{\"signature\":\"" + signatureHex() + "\",\"tcbInfo\":" + sgxInfo() + "}", "expected '\"tcbInfo\"'");
  }

  @Test
  void parsePcsTcbInfoBody_escapedKey_throws() {
    rejects("{\"tcb\\u0049nfo\":" + sgxInfo() + ",\"signature\":\"" + signatureHex() + "\"}", "expected '\"tcbInfo\"'");
  }

  @Test
  void parsePcsTcbInfoBody_escapedSignatureKey_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + ",\"sig\\u006eature\":\"" + signatureHex() + "\"}", "expected '\"signature\"'");
  }

  @Test
  void parsePcsTcbInfoBody_duplicateKeyInsideTcbInfo_throws() {
    rejects(pcsBody("tcbInfo", sgxInfo().replace("\"tcbType\":0", "\"tcbType\":0,\"tcbType\":0")), "duplicate key 'tcbType'");
  }

  @Test
  void parsePcsTcbInfoBody_tcbInfoNotObject_throws() {
    rejects("{\"tcbInfo\":\"" + "x" + "\",\"signature\":\"" + signatureHex() + "\"}", "must be a JSON object");
  }

  @Test
  void parsePcsTcbInfoBody_signatureMissing_throws() {
    rejects("{\"tcbInfo\":" + sgxInfo() + "}", "expected exactly the members");
  }

  @Test
  void parsePcsTcbInfoBody_loneSurrogate_throws() {
    rejects(pcsBody("tcbInfo", sgxInfo().replace("INTEL-SA-00289", "\uD800")), "unpaired surrogate");
  }

  @Test
  void parsePcsTcbInfoBody_invalidTcbInfo_throwsWithFieldPath() {
    rejects(pcsBody("tcbInfo", sgxInfo().replace("\"tcbType\":0", "\"tcbType\":1")), "tcbInfo.tcbType");
  }

  @Test
  void parsePcsTcbInfoBody_empty_throws() {
    rejects("", "tcbInfo body");
  }
}
