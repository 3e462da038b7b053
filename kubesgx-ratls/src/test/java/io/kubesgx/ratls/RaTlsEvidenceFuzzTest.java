package io.kubesgx.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.KeyPair;
import java.util.Map;

/**
 * Fuzzes {@link RaTlsEvidence#parse(byte[])}: with arbitrary certificate bytes, and with arbitrary
 * DICE extension values inside a real certificate. Only {@link RaTlsException} may escape, always at
 * {@link RaTlsException.Step#EXTRACT_QUOTE} with a one-line message; results are consistent.
 */
class RaTlsEvidenceFuzzTest {
  private static final KeyPair KEY = RaTlsFixtures.ecKey("secp256r1");

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] data) {
    check(data);
  }

  @FuzzTest(maxDuration = "60s")
  void diceValue(byte[] data) {
    Map<String, byte[]> ext = RaTlsFixtures.extensions();
    ext.put(RaTlsOids.DICE_TAGGED_EVIDENCE, data);
    byte[] der;
    try {
      der = RaTlsFixtures.certificate(KEY, ext).getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
    RaTlsEvidence ev = check(der);
    if (ev != null) {
      assertEquals(RaTlsExtension.DICE, ev.extension());
      assertTrue(data.length >= RaTlsEvidence.MIN_EXTENSION_SIZE && data.length <= RaTlsEvidence.MAX_EXTENSION_SIZE);
    }
  }

  private static RaTlsEvidence check(byte[] der) {
    RaTlsEvidence ev;
    try {
      ev = RaTlsEvidence.parse(der);
    } catch (RaTlsException e) {
      assertEquals(RaTlsException.Step.EXTRACT_QUOTE, e.step());
      assertTrue(!e.getMessage().contains("\n"), e.getMessage());
      return null;
    }
    if (ev.extension() == RaTlsExtension.DICE) {
      assertTrue(ev.claims().isPresent() && ev.pubkeyHash().isPresent() && ev.hashAlgId().isPresent());
      int alg = ev.hashAlgId().getAsInt();
      assertTrue(alg == 1 || alg == 7 || alg == 8);
    } else {
      assertTrue(ev.claims().isEmpty() && ev.pubkeyHash().isEmpty());
    }
    int n = ev.quoteBytes().length();
    assertTrue(n <= RaTlsEvidence.MAX_EXTENSION_SIZE);
    assertTrue(ev.publicKey() != null);
    return ev;
  }
}
