package io.kubesgx.keybroker.wrap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SKR key wrap against the reference's vectors (index {@code vectors.json} next to this class:
 * the confidential-sidecar-containers RSA-AES unwrap case and the RFC 5649 examples) and round trips
 * for every {@code enc}.
 */
class RsaAesKeyWrapTest {
  private static final String DIR = "/io/kubesgx/keybroker/wrap/RsaAesKeyWrapTest/";

  private static JsonObject index() throws Exception {
    try (InputStream in = RsaAesKeyWrapTest.class.getResourceAsStream(DIR + "vectors.json")) {
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = RsaAesKeyWrapTest.class.getResourceAsStream(DIR + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static java.security.interfaces.RSAPrivateKey pkcs1(String file) throws Exception {
    try (InputStream in = RsaAesKeyWrapTest.class.getResourceAsStream(DIR + file);
        PEMParser p = new PEMParser(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      return (java.security.interfaces.RSAPrivateKey) new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) p.readObject()).getPrivate();
    }
  }

  static Stream<JsonObject> rsaVectors() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (JsonValue v : index().array("rsaAesKeyWrap")) {
      out.add((JsonObject) v);
    }
    return out.stream();
  }

  static Stream<JsonObject> kwpVectors() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (JsonValue v : index().array("aesKwp")) {
      out.add((JsonObject) v);
    }
    return out.stream();
  }

  @ParameterizedTest
  @MethodSource("rsaVectors")
  void unwrap_referenceVector_matchesExpected(JsonObject v) throws Exception {
    java.security.interfaces.RSAPrivateKey key = pkcs1(v.string("privateKey"));
    byte[] blob = Base64.getUrlDecoder().decode(resource(v.string("blob")).strip());
    KeyExportEncryption enc = KeyExportEncryption.fromWire(v.string("enc")).orElseThrow();
    if (v.has("expectedKeyHex")) {
      assertArrayEquals(HexFormat.of().parseHex(v.string("expectedKeyHex")), RsaAesKeyWrap.unwrap(key, enc, blob), v.string("name"));
    } else {
      KeyWrapException e = assertThrows(KeyWrapException.class, () -> RsaAesKeyWrap.unwrap(key, enc, blob), v.string("name"));
      assertEquals(v.string("expectedError"), e.reason().name());
    }
  }

  @ParameterizedTest
  @MethodSource("kwpVectors")
  void aesKwp_rfc5649Examples_wrapAndUnwrap(JsonObject v) throws Exception {
    // spec: RFC 5649 §6 — the JDK's AES/KWP/NoPadding is the wrap the broker uses.
    SecretKeySpec kek = new SecretKeySpec(HexFormat.of().parseHex(v.string("kekHex")), "AES");
    Cipher c = Cipher.getInstance("AES/KWP/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, kek);
    assertEquals(v.string("wrappedHex"), HexFormat.of().formatHex(c.doFinal(HexFormat.of().parseHex(v.string("keyHex")))));
  }

  @ParameterizedTest
  @EnumSource(KeyExportEncryption.class)
  void wrap_eachEnc_roundTripsAndLayoutIsModulusThenKwp(KeyExportEncryption enc) throws Exception {
    KeyPair kp = rsa(2048);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    byte[] blob = RsaAesKeyWrap.wrap((RSAPublicKey) kp.getPublic(), enc, key, new SecureRandom());
    assertEquals(256 + 40, blob.length); // RSA-2048 block, then KWP of 32 bytes (+8)
    assertArrayEquals(key, RsaAesKeyWrap.unwrap((java.security.interfaces.RSAPrivateKey) kp.getPrivate(), enc, blob));
  }

  @Test
  void unwrap_withOtherEnc_fails() throws Exception {
    KeyPair kp = rsa(2048);
    byte[] blob = RsaAesKeyWrap.wrap((RSAPublicKey) kp.getPublic(), KeyExportEncryption.RSA_AES_KEY_WRAP_256, new byte[16],
        new SecureRandom());
    KeyWrapException e = assertThrows(KeyWrapException.class, () -> RsaAesKeyWrap.unwrap(
        (java.security.interfaces.RSAPrivateKey) kp.getPrivate(), KeyExportEncryption.CKM_RSA_AES_KEY_WRAP, blob));
    assertEquals(KeyWrapException.Reason.UNWRAP_FAILED, e.reason());
  }

  @Test
  void wrap_smallTransferKey_rejected() throws Exception {
    KeyPair kp = rsa(1024);
    KeyWrapException e = assertThrows(KeyWrapException.class, () -> RsaAesKeyWrap.wrap((RSAPublicKey) kp.getPublic(),
        KeyExportEncryption.RSA_AES_KEY_WRAP_256, new byte[16], new SecureRandom()));
    assertEquals(KeyWrapException.Reason.BAD_TRANSFER_KEY, e.reason());
  }

  @Test
  void select_firstRsaKeyUsableForEncryption_chosen() throws Exception {
    KeyPair sig = rsa(2048);
    KeyPair enc = rsa(2048);
    Map<String, Object> signOnly = new com.nimbusds.jose.jwk.RSAKey.Builder((RSAPublicKey) sig.getPublic())
        .keyOperations(java.util.Set.of(com.nimbusds.jose.jwk.KeyOperation.VERIFY)).build().toJSONObject();
    Map<String, Object> ec = Map.of("kty", "EC", "crv", "P-256", "key_ops", List.of("encrypt"));
    Map<String, Object> encKey = new com.nimbusds.jose.jwk.RSAKey.Builder((RSAPublicKey) enc.getPublic())
        .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).keyID("whatever").build().toJSONObject();
    RSAPublicKey chosen = TransferKeys.select(Map.of("keys", List.of(signOnly, ec, encKey)));
    assertEquals(((RSAPublicKey) enc.getPublic()).getModulus(), chosen.getModulus());
  }

  @Test
  void select_noKeys_rejectedWithHint() {
    KeyWrapException e = assertThrows(KeyWrapException.class, () -> TransferKeys.select(Map.of("other", 1)));
    assertEquals(KeyWrapException.Reason.BAD_TRANSFER_KEY, e.reason());
    assertThrows(KeyWrapException.class, () -> TransferKeys.select(null));
  }

  private static KeyPair rsa(int bits) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(bits);
    return g.generateKeyPair();
  }
}
