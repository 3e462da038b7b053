package io.kubesgx.keybroker.secretprov;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.secrets.SecretAttributes;
import io.kubesgx.keybroker.secrets.SecretVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretProvEncodingTest {
  private static SecretVersion secret(String contentType, byte[] value) {
    Instant t = Instant.ofEpochSecond(1_700_000_000L);
    return new SecretVersion("default", "s", "0123456789abcdef0123456789abcdef", Optional.ofNullable(contentType),
        new SecretAttributes(true, Optional.empty(), Optional.empty(), t, t), Map.of(), Optional.empty(), Optional.empty(), value);
  }

  @Test
  void wireBytes_textSecret_utf8WithOneTrailingNul() throws Exception {
    byte[] w = SecretProvEncoding.wireBytes(secret("text/plain", "pässword".getBytes(StandardCharsets.UTF_8)));
    byte[] expected = "pässword\0".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(expected, w);
  }

  @Test
  void wireBytes_noContentType_sentAsString() throws Exception {
    assertArrayEquals(new byte[] {'a', 0}, SecretProvEncoding.wireBytes(secret(null, new byte[] {'a'})));
  }

  @Test
  void wireBytes_octetStreamBase64_decodedRawBytes() throws Exception {
    byte[] key = new byte[16];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (0xf0 + i);
    }
    String b64 = java.util.Base64.getEncoder().encodeToString(key);
    assertArrayEquals(key, SecretProvEncoding.wireBytes(secret("application/octet-stream", b64.getBytes(StandardCharsets.US_ASCII))));
    assertArrayEquals(key, SecretProvEncoding.wireBytes(secret("Application/Octet-Stream; x=y",
        b64.replace("=", "").getBytes(StandardCharsets.US_ASCII))), "case-insensitive type, padding optional");
  }

  @Test
  void wireBytes_octetStreamNotBase64_unsendable() {
    SecretProvException e = assertThrows(SecretProvException.class,
        () -> SecretProvEncoding.wireBytes(secret("application/octet-stream", "not base64!".getBytes(StandardCharsets.US_ASCII))));
    assertEquals(SecretProvException.Reason.UNSENDABLE_SECRET, e.reason());
    assertTrue(e.getMessage().contains("not base64"), e.getMessage());
    assertFalse(e.getMessage().contains("not base64!"), "the value itself is never in a message");
  }

  @Test
  void wireBytes_emptyOrNul_unsendable() {
    assertEquals(SecretProvException.Reason.UNSENDABLE_SECRET, assertThrows(SecretProvException.class,
        () -> SecretProvEncoding.wireBytes(secret("text/plain", new byte[0]))).reason());
    assertEquals(SecretProvException.Reason.UNSENDABLE_SECRET, assertThrows(SecretProvException.class,
        () -> SecretProvEncoding.wireBytes(secret("application/octet-stream", new byte[0]))).reason());
    SecretProvException nul = assertThrows(SecretProvException.class,
        () -> SecretProvEncoding.wireBytes(secret("text/plain", new byte[] {'a', 0, 'b'})));
    assertTrue(nul.getMessage().contains("NUL"), nul.getMessage());
  }

  @Test
  void responseHeader_size_prefixNulAndBigEndianUint32() {
    byte[] h = SecretProvWire.responseHeader(0x01020304);
    assertEquals(41, h.length);
    assertArrayEquals("SECRET_PROVISION_RA_TLS_RESPONSE_V1:\0".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(h, 37));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, java.util.Arrays.copyOfRange(h, 37, 41));
    assertThrows(IllegalArgumentException.class, () -> SecretProvWire.responseHeader(0));
  }

  @Test
  void isRequest_onlyTheExact35Bytes() {
    byte[] ok = "SECRET_PROVISION_RA_TLS_REQUEST_V1\0".getBytes(StandardCharsets.US_ASCII);
    assertEquals(35, SecretProvWire.REQUEST_SIZE);
    assertTrue(SecretProvWire.isRequest(ok));
    byte[] noNul = ok.clone();
    noNul[34] = 'X';
    assertFalse(SecretProvWire.isRequest(noNul));
    assertFalse(SecretProvWire.isRequest(java.util.Arrays.copyOf(ok, 34)));
  }
}
