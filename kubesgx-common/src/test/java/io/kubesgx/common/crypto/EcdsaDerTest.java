package io.kubesgx.common.crypto;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;

class EcdsaDerTest {
  @Test
  void derToP1363_providerSignatures_verifyInP1363Form() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    byte[] msg = "kubesgx".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 50; i++) {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(kp.getPrivate());
      s.update(msg);
      Bytes p1363 = Ecdsa.derToP1363(s.sign(), "sig");
      assertEquals(64, p1363.length());
      assertTrue(Ecdsa.verifyP1363(kp.getPublic(), msg, p1363));
    }
  }

  @Test
  void derToP1363_malformedEncodings_throw() {
    byte[] ok = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
    assertEquals(1, assertDoesNotThrow(() -> Ecdsa.derToP1363(ok, "sig")).get(31));
    byte[][] bad = {
      {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02}, // r = 0
      {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x02}, // non-minimal r
      {0x30, 0x06, 0x02, 0x01, (byte) 0x81, 0x02, 0x01, 0x02}, // negative r
      {0x30, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00}, // trailing bytes
      {0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, // not a SEQUENCE
      {0x30, 0x05, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, // wrong length
    };
    for (byte[] b : bad) {
      assertThrows(MalformedInputException.class, () -> Ecdsa.derToP1363(b, "sig"), Bytes.of(b).hex());
    }
  }
}
