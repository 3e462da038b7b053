package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.Test;

/** The KBS REPORTDATA binding against the reference's vectors (key-broker.md §2.3). */
class RuntimeDataBindingTest {
  private static final String NONCE = "2Bx9r1vV9Zf0yq8n2wqgq5o3yq0b0cC8m1Qm0qG6b3k=";

  @Test
  void expectedReportData_referenceWorkedExample_matchesDigestAndZeroPadding() throws Exception {
    // the JWK in a non-canonical member order, as a client may send it
    JsonObject jwk = Json.parseObject("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ECDH-ES+A256KW\","
        + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");
    String hashed = "{\"additional-evidence\":\"\",\"nonce\":\"" + NONCE + "\",\"tee-pubkey\":{\"alg\":\"ECDH-ES+A256KW\","
        + "\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}}";
    assertEquals(hashed, new String(RuntimeDataBinding.canonicalBytes(NONCE, jwk, ""), StandardCharsets.UTF_8));

    byte[] rd = RuntimeDataBinding.expectedReportData(NONCE, jwk, "");
    assertEquals(64, rd.length);
    assertEquals("34d0170ae036879e962b9d82ae297f869ecff91e44d83df38c8ef969e654aa0d9600d1efcf872ae1a643a5e77dafba55",
        HexFormat.of().formatHex(rd, 0, 48));
    assertArrayEquals(new byte[16], Arrays.copyOfRange(rd, 48, 64));
  }

  @Test
  void jcs_trusteeVector_sortsKeysBeforeHashing() throws Exception {
    byte[] canonical = new JsonCanonicalizer("{\"b\":1,\"a\":\"test\",\"c\":{\"d\":\"e\"}}").getEncodedUTF8();
    assertEquals("{\"a\":\"test\",\"b\":1,\"c\":{\"d\":\"e\"}}", new String(canonical, StandardCharsets.UTF_8));
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-384").digest(canonical));
    assertTrue(digest.startsWith("e71ce8e70d81") && digest.endsWith("8870c3"), digest);
  }

  @Test
  void expectedReportData_otherNonce_differs() throws Exception {
    JsonObject jwk = Json.parseObject("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ECDH-ES+A256KW\",\"x\":\"a\",\"y\":\"b\"}");
    assertTrue(!Arrays.equals(RuntimeDataBinding.expectedReportData(NONCE, jwk, ""),
        RuntimeDataBinding.expectedReportData("x" + NONCE.substring(1), jwk, "")));
  }
}
