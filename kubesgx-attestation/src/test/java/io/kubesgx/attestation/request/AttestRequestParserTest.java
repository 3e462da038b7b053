package io.kubesgx.attestation.request;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.AttestationType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AttestRequestParserTest {
  static byte[] body(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_allFields_decodedAsMaaDefines() throws Exception {
    String q = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, 2, 3, (byte) 0xfb, (byte) 0xff});
    AttestRequest r = AttestRequestParser.parse(AttestationType.SGX_ENCLAVE, body(
        "{\"quote\":\"" + q + "\",\"runtimeData\":{\"data\":\"eyJhIjoxfQ\",\"dataType\":\"JSON\"},"
            + "\"initTimeData\":{\"data\":\"AAE=\",\"dataType\":\"Binary\"},\"nonce\":\"n\",\"draftPolicyForAttestation\":\"\",\"unknown\":1}"));
    assertArrayEquals(new byte[] {1, 2, 3, (byte) 0xfb, (byte) 0xff}, r.quote().toByteArray());
    assertEquals(RuntimeData.DataType.JSON, r.runtimeData().orElseThrow().dataType());
    assertTrue(r.runtimeData().orElseThrow().json().isPresent());
    assertArrayEquals(new byte[] {0, 1}, r.initTimeData().orElseThrow().data().toByteArray());
    assertEquals("n", r.nonce().orElseThrow());
    assertTrue(r.draftPolicy().isEmpty(), "an empty draft policy means none");
  }

  @Test
  void decodeBase64Url_paddedUnpaddedAndStandardAlphabet_allDecode() {
    assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, AttestRequestParser.decodeBase64Url("-_8"));
    assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, AttestRequestParser.decodeBase64Url("-_8="));
    assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, AttestRequestParser.decodeBase64Url("+/8="));
    assertThrows(IllegalArgumentException.class, () -> AttestRequestParser.decodeBase64Url("+_8="));
  }

  @Test
  void stripOpenEnclaveHeader_checksVersionTypeAndSize() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(2).putLong(4).putInt(0x01020304);
    assertEquals(4, AttestRequestParser.stripOpenEnclaveHeader(io.kubesgx.common.Bytes.of(b.array())).length());
    for (int[] bad : new int[][] {{2, 2, 4}, {1, 1, 4}, {1, 2, 5}}) {
      ByteBuffer x = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(bad[0]).putInt(bad[1]).putLong(bad[2]).putInt(0);
      ApiError e = assertThrows(ApiError.class, () -> AttestRequestParser.stripOpenEnclaveHeader(io.kubesgx.common.Bytes.of(x.array())));
      assertEquals("InvalidReport", e.code());
    }
    assertThrows(ApiError.class, () -> AttestRequestParser.stripOpenEnclaveHeader(io.kubesgx.common.Bytes.of(new byte[15])));
  }

  @Test
  void parse_limits_oversizedFieldsAre400() {
    String big = "A".repeat((AttestRequestParser.MAX_QUOTE_BYTES / 3 + 4) * 4 + 8);
    assertEquals(400, assertThrows(ApiError.class,
        () -> AttestRequestParser.parse(AttestationType.SGX_ENCLAVE, body("{\"quote\":\"" + big + "\"}"))).status());
    assertEquals(400, assertThrows(ApiError.class, () -> AttestRequestParser.parse(AttestationType.SGX_ENCLAVE,
        body("{\"quote\":\"AAAA\",\"nonce\":\"" + "n".repeat(2000) + "\"}"))).status());
    assertEquals(400, assertThrows(ApiError.class,
        () -> AttestRequestParser.parse(AttestationType.SGX_ENCLAVE, new byte[] {(byte) 0xff, '{', '}'})).status());
    assertEquals(400, assertThrows(ApiError.class,
        () -> AttestRequestParser.parse(AttestationType.OPEN_ENCLAVE, body("{\"quote\":\"AAAA\"}"))).status());
  }
}
