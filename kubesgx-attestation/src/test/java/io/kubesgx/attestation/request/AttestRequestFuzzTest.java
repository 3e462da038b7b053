package io.kubesgx.attestation.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.AttestationType;
import io.kubesgx.attestation.policy.PolicyDocument;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the parsers of untrusted request bytes: attestation bodies for both endpoints and policy
 * documents. Only {@link ApiError} with a 4xx status may escape.
 */
class AttestRequestFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void attestBody(byte[] data) {
    for (AttestationType type : AttestationType.values()) {
      try {
        AttestRequest r = AttestRequestParser.parse(type, data);
        assertTrue(r.quote().length() <= AttestRequestParser.MAX_QUOTE_BYTES);
      } catch (ApiError e) {
        assertTrue(e.status() >= 400 && e.status() < 500, e.getMessage());
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
      }
    }
  }

  @FuzzTest(maxDuration = "60s")
  void policyDocument(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    for (boolean allowEmpty : new boolean[] {false, true}) {
      try {
        PolicyDocument d = PolicyDocument.parse(s, allowEmpty, java.time.Clock.systemUTC());
        assertTrue(allowEmpty || !d.text().isEmpty() || s.strip().regionMatches(true, 0, "version", 0, 7));
      } catch (ApiError e) {
        assertEquals(400, e.status(), e.getMessage());
      }
    }
  }
}
