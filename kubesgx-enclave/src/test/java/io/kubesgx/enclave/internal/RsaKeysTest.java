package io.kubesgx.enclave.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.enclave.TestVectors;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;

class RsaKeysTest {

  @Test
  void readPem_fortanixPkcs1TestKey_isRsa3072WithExponent3() throws Exception {
    String pem = TestVectors.text("fortanix_sig1.TEST-ONLY-key.pem");
    assertTrue(pem.contains("BEGIN " + RsaKeys.PKCS1_LABEL), "the vector key is PKCS#1");
    RSAPrivateCrtKey k = RsaKeys.readPem(pem);
    assertEquals(3072, k.getModulus().bitLength());
    assertEquals(BigInteger.valueOf(3), k.getPublicExponent());
  }

  @Test
  void pkcs1AndPkcs8_roundTrip_sameKey() throws Exception {
    RSAPrivateCrtKey k = RsaKeys.generate(1024, 3, new SecureRandom());
    RSAPrivateCrtKey viaPkcs8 = RsaKeys.readPem(RsaKeys.pkcs8Pem(k));
    RSAPrivateCrtKey viaPkcs1 = RsaKeys.readPem(RsaKeys.pkcs1Pem(k));
    for (RSAPrivateCrtKey r : new RSAPrivateCrtKey[] {viaPkcs8, viaPkcs1}) {
      assertEquals(k.getModulus(), r.getModulus());
      assertEquals(k.getPrivateExponent(), r.getPrivateExponent());
      assertEquals(k.getCrtCoefficient(), r.getCrtCoefficient());
    }
    // Our PKCS#8 encoding is the standard one the JDK also produces.
    assertEquals(Pem.decodeAll(RsaKeys.pkcs8Pem(k)).get(0).der(), io.kubesgx.common.Bytes.of(k.getEncoded()));
  }

  @Test
  void readPem_otherLabelsAndGarbage_malformed() {
    MalformedInputException e = assertThrows(MalformedInputException.class,
        () -> RsaKeys.readPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    assertTrue(e.getMessage().contains("RSA PRIVATE KEY"), e.getMessage());
    e = assertThrows(MalformedInputException.class,
        () -> RsaKeys.readPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"));
    assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    e = assertThrows(MalformedInputException.class,
        () -> RsaKeys.readPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
    assertTrue(e.getMessage().contains("not a valid RSA private key"), e.getMessage());
    assertThrows(MalformedInputException.class, () -> RsaKeys.readPem(""));
    assertThrows(MalformedInputException.class, () -> RsaKeys.readPem("hello"));
  }
}
