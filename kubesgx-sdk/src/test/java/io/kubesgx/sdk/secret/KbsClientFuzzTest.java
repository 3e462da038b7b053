package io.kubesgx.sdk.secret;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWEAlgorithm;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/**
 * Fuzzes the KBS resource answer (a flattened JWE from the network): {@link
 * KbsClient.KbsSession#decrypt} returns bytes or throws {@link SecretException}, nothing else.
 */
class KbsClientFuzzTest {
  private static final KbsClient.KbsSession SESSION;

  static {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KbsClient c = KbsClient.newBuilder(URI.create("http://127.0.0.1:9")).insecureAllowPlainHttp().build();
      SESSION = new KbsClient.KbsSession(c, "00", g.generateKeyPair().getPrivate(), JWEAlgorithm.ECDH_ES_A256KW, "a.b.c");
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void decrypt(byte[] data) {
    try {
      assertNotNull(SESSION.decrypt(new String(data, StandardCharsets.UTF_8)));
    } catch (SecretException e) {
      assertNotNull(e.reason());
    }
  }
}
