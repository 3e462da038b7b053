package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.RSADecrypter;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The resource JWE (key-broker.md §2.5): exact protected header bytes and member order, and an
 * independent JOSE implementation (Nimbus) decrypts it with the enclave's private key.
 */
class ResourceJweTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void protectedHeader_rsaOaep256_isTheReferenceAadVector() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    TeePubKey key = new TeePubKey(Json.parseObject("{}"), TeePubKey.RSA_OAEP_256, kp.getPublic());
    JsonObject jwe = Json.parseObject(ResourceJwe.encrypt("s3cret".getBytes(StandardCharsets.UTF_8), key, RANDOM));
    assertEquals(List.of("protected", "encrypted_key", "iv", "ciphertext", "tag"), List.copyOf(jwe.members().keySet()));
    assertEquals("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0", jwe.string("protected"));
    assertEquals(256, Base64.getUrlDecoder().decode(jwe.string("encrypted_key")).length);
    assertEquals(12, Base64.getUrlDecoder().decode(jwe.string("iv")).length);
    assertEquals(16, Base64.getUrlDecoder().decode(jwe.string("tag")).length);
    assertArrayEquals("s3cret".getBytes(StandardCharsets.UTF_8), decryptWithNimbus(jwe, kp, false));
  }

  @Test
  void encrypt_ecdhEsP256AndP521_nimbusDecryptsAndHeaderIsSerdeOrder() throws Exception {
    for (String curve : new String[] {"secp256r1", "secp521r1"}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      KeyPair kp = g.generateKeyPair();
      TeePubKey key = new TeePubKey(Json.parseObject("{}"), TeePubKey.ECDH_ES_A256KW, kp.getPublic());
      JsonObject jwe = Json.parseObject(ResourceJwe.encrypt(new byte[] {1, 2, 3}, key, RANDOM));
      String header = new String(Base64.getUrlDecoder().decode(jwe.string("protected")), StandardCharsets.UTF_8);
      String crv = curve.equals("secp256r1") ? "P-256" : "P-521";
      assertTrue(header.startsWith("{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":{\"crv\":\"" + crv
          + "\",\"kty\":\"EC\",\"x\":\""), header);
      assertEquals(40, Base64.getUrlDecoder().decode(jwe.string("encrypted_key")).length);
      assertArrayEquals(new byte[] {1, 2, 3}, decryptWithNimbus(jwe, kp, true));
    }
  }

  /** Decrypts the flattened JWE as its compact form (same AAD: ASCII of the protected member). */
  static byte[] decryptWithNimbus(JsonObject jwe, KeyPair kp, boolean ec) throws Exception {
    JWEObject o = JWEObject.parse(jwe.string("protected") + "." + jwe.string("encrypted_key") + "." + jwe.string("iv") + "."
        + jwe.string("ciphertext") + "." + jwe.string("tag"));
    o.decrypt(ec ? new ECDHDecrypter((ECPrivateKey) kp.getPrivate()) : new RSADecrypter(kp.getPrivate()));
    return o.getPayload().toBytes();
  }
}
