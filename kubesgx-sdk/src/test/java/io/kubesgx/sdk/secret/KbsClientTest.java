package io.kubesgx.sdk.secret;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.erdtman.jcs.JsonCanonicalizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link KbsClient} against {@link FakeKbs}, a test double written from the protocol reference (the
 * real server is another module's), plus the reference's binding vectors.
 */
class KbsClientTest {
  private static final byte[] SECRET = "db-password: correct horse battery staple".getBytes(StandardCharsets.UTF_8);

  FakeKbs kbs;

  @BeforeEach
  void start() throws Exception {
    kbs = new FakeKbs();
    kbs.resources.put("default/db/password", SECRET);
  }

  @AfterEach
  void stop() {
    kbs.close();
  }

  private KbsClient client(KbsClient.TeeKeyType t) {
    return KbsClient.newBuilder(URI.create(kbs.url())).insecureAllowPlainHttp().teeKeyType(t).build();
  }

  @ParameterizedTest
  @EnumSource(KbsClient.TeeKeyType.class)
  void getResource_eachTeeKeyType_decryptsTheSecret(KbsClient.TeeKeyType t) throws Exception {
    assertArrayEquals(SECRET, client(t).getResource(SecretClientTest.ECHO, "default", "db", "password"));
  }

  @Test
  void attest_requestShape_followsRcar040() throws Exception {
    client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO);
    JsonObject body = Json.parseObject(kbs.attestBodies.get(0));
    assertTrue(body.get("init-data") instanceof JsonNull);
    JsonObject jwk = body.object("runtime-data").object("tee-pubkey");
    assertEquals("EC", jwk.string("kty"));
    assertEquals("P-256", jwk.string("crv"));
    assertEquals("ECDH-ES+A256KW", jwk.string("alg"));
    assertEquals(43, jwk.string("x").length());
    assertFalse(jwk.has("d"), "the private TEE key never leaves the process");
    assertEquals("", body.object("tee-evidence").string("additional_evidence"));
  }

  @Test
  void session_twoResources_reuseOneAttestation() throws Exception {
    kbs.resources.put("default/tls/key", new byte[] {1, 2, 3});
    KbsClient.KbsSession s = client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO);
    assertArrayEquals(SECRET, s.resource("default", "db", "password"));
    assertArrayEquals(new byte[] {1, 2, 3}, s.resource("default", "tls", "key"));
    assertEquals(1, kbs.attestBodies.size());
  }

  @Test
  void attest_kbsSelectsSha512_bindsWithSha512() throws Exception {
    kbs.selectedHash = "sha512";
    assertArrayEquals(SECRET, client(KbsClient.TeeKeyType.EC_P256).getResource(SecretClientTest.ECHO, "default", "db", "password"));
  }

  @Test
  void attest_kbsSelectsUnknownHash_badResponse() {
    kbs.selectedHash = "md5";
    SecretException e = assertThrows(SecretException.class, () -> client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO));
    assertEquals(SecretException.Reason.BAD_RESPONSE, e.reason());
  }

  @Test
  void attest_quoteNotBindingTheRuntimeData_attestationFailed() {
    io.kubesgx.sdk.QuoteProvider zeros = new io.kubesgx.sdk.QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) {
        return new byte[64];
      }

      @Override
      public String name() {
        return "zeros";
      }

      @Override
      public boolean isSimulated() {
        return true;
      }
    };
    SecretException e = assertThrows(SecretException.class, () -> client(KbsClient.TeeKeyType.EC_P256).attest(zeros));
    assertEquals(SecretException.Reason.ATTESTATION_FAILED, e.reason(), e.getMessage());
  }

  @Test
  void resource_policyDenyAndMissing_mapToDeniedAndNotFound() throws Exception {
    KbsClient.KbsSession s = client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO);
    SecretException denied = assertThrows(SecretException.class, () -> s.resource("denied", "db", "password"));
    assertEquals(SecretException.Reason.DENIED, denied.reason(), denied.getMessage());
    SecretException missing = assertThrows(SecretException.class, () -> s.resource("default", "db", "nothing"));
    assertEquals(SecretException.Reason.NOT_FOUND, missing.reason(), missing.getMessage());
  }

  @Test
  void resource_tamperedTag_unwrapFailed_otherAlg_badResponse() throws Exception {
    KbsClient.KbsSession s = client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO);
    kbs.mode = FakeKbs.Mode.WRONG_TAG;
    assertEquals(SecretException.Reason.UNWRAP_FAILED,
        assertThrows(SecretException.class, () -> s.resource("default", "db", "password")).reason());
    kbs.mode = FakeKbs.Mode.OTHER_ALG;
    assertEquals(SecretException.Reason.BAD_RESPONSE,
        assertThrows(SecretException.class, () -> s.resource("default", "db", "password")).reason());
  }

  @Test
  void decrypt_malformedOrCompressedOrWithAad_badResponse() throws Exception {
    KbsClient.KbsSession s = client(KbsClient.TeeKeyType.RSA_2048).attest(SecretClientTest.ECHO);
    for (String bad : new String[] {"{}", "[]", "{\"protected\":\"e30\",\"encrypted_key\":\"\",\"iv\":\"\",\"ciphertext\":\"\",\"tag\":\"\"}",
        "{\"protected\":\"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwiemlwIjoiREVGIn0\",\"encrypted_key\":\"AA\","
            + "\"iv\":\"AA\",\"ciphertext\":\"AA\",\"tag\":\"AA\"}",
        "{\"protected\":\"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0\",\"encrypted_key\":\"AA\",\"iv\":\"AA\","
            + "\"ciphertext\":\"AA\",\"tag\":\"AA\",\"aad\":\"AA\"}"}) {
      SecretException e = assertThrows(SecretException.class, () -> s.decrypt(bad), bad);
      assertEquals(SecretException.Reason.BAD_RESPONSE, e.reason(), bad);
    }
  }

  @Test
  void resource_badPathSegment_rejectedBeforeSending() throws Exception {
    KbsClient.KbsSession s = client(KbsClient.TeeKeyType.EC_P256).attest(SecretClientTest.ECHO);
    assertThrows(IllegalArgumentException.class, () -> s.resource("..", "db", "password"));
    assertThrows(IllegalArgumentException.class, () -> s.resource("default", "a/b", "password"));
    assertThrows(IllegalArgumentException.class, () -> s.resource("default", "db", "x?y"));
  }

  @Test
  void reportData_referenceWorkedExample_matchesSha384() {
    // spec: key-broker reference §2.3 worked example.
    JsonObject jwk = JsonBuilder.object().put("alg", "ECDH-ES+A256KW").put("crv", "P-256").put("kty", "EC")
        .put("x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU").put("y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0").build();
    String nonce = "2Bx9r1vV9Zf0yq8n2wqgq5o3yq0b0cC8m1Qm0qG6b3k=";
    assertEquals("{\"additional-evidence\":\"\",\"nonce\":\"2Bx9r1vV9Zf0yq8n2wqgq5o3yq0b0cC8m1Qm0qG6b3k=\",\"tee-pubkey\":"
        + "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}}", KbsBinding.canonical(nonce, jwk, ""));
    byte[] rd = KbsBinding.reportData(nonce, jwk, "", "sha384");
    assertEquals("34d0170ae036879e962b9d82ae297f869ecff91e44d83df38c8ef969e654aa0d9600d1efcf872ae1a643a5e77dafba55",
        HexFormat.of().formatHex(Arrays.copyOf(rd, 48)));
    assertArrayEquals(new byte[16], Arrays.copyOfRange(rd, 48, 64));
  }

  @Test
  void jcs_trusteeVector_sortsKeysAndHashesAsDocumented() throws Exception {
    // spec: key-broker reference §2.3 — TR test vector {"b":1,"a":"test","c":{"d":"e"}} → SHA-384 e71ce8e70d81…8870c3.
    String c = new JsonCanonicalizer("{\"b\":1,\"a\":\"test\",\"c\":{\"d\":\"e\"}}").getEncodedString();
    assertEquals("{\"a\":\"test\",\"b\":1,\"c\":{\"d\":\"e\"}}", c);
    String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-384").digest(c.getBytes(StandardCharsets.UTF_8)));
    assertTrue(h.startsWith("e71ce8e70d81") && h.endsWith("8870c3"), h);
  }
}
