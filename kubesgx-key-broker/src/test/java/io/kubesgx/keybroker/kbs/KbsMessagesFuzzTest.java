package io.kubesgx.keybroker.kbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;

/**
 * Fuzzes the KBS request parsers (untrusted bytes from any client): each either returns a value or
 * throws {@link MalformedInputException} with a message, never anything else; a parsed attest request
 * holds a key of a supported algorithm and a quote no larger than its bound.
 */
class KbsMessagesFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void parseAttest(byte[] data) {
    KbsMessages.AttestRequest r;
    try {
      r = KbsMessages.parseAttest(data);
    } catch (MalformedInputException e) {
      assertNotNull(e.getMessage());
      assertTrue(!e.getMessage().isEmpty());
      return;
    }
    assertTrue(r.teePubKey().alg().equals(TeePubKey.RSA_OAEP_256) || r.teePubKey().alg().equals(TeePubKey.ECDH_ES_A256KW));
    assertTrue(r.quote().length <= KbsMessages.MAX_QUOTE_BASE64_CHARS * 3 / 4);
    assertEquals(64, RuntimeDataBinding.expectedReportData(r.nonce(), r.teePubKey().jwk(), r.additionalEvidence()).length);
  }

  @FuzzTest(maxDuration = "30s")
  void parseAuth(byte[] data) {
    try {
      KbsMessages.AuthRequest r = KbsMessages.parseAuth(data);
      assertTrue(r.version().length() <= 32 && r.tee().length() <= 32);
    } catch (MalformedInputException e) {
      assertNotNull(e.getMessage());
    }
  }
}
