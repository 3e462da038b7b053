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
 * documents. Only {@link ApiError} with a 4xx status may escape; parsed JSON runtime data survives
 * the trip into a token claim unchanged.
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

  /**
   * JSON runtime data that parses goes into a token's {@code x-ms-runtime} claim unchanged: the
   * claim written into the token parses back to the same value, numbers included, and writing it
   * never fails.
   */
  @FuzzTest(maxDuration = "60s")
  void runtimeClaim(byte[] data) throws Exception {
    io.kubesgx.common.json.JsonValue v;
    try {
      v = io.kubesgx.common.json.Json.parse(new String(data, StandardCharsets.UTF_8),
          io.kubesgx.attestation.claims.ClaimNames.MAX_RUNTIME_DEPTH);
    } catch (io.kubesgx.common.MalformedInputException e) {
      return;
    }
    java.util.Map<String, Object> claims = new java.util.LinkedHashMap<>();
    claims.put(io.kubesgx.attestation.claims.ClaimNames.RUNTIME, v);
    String jwt = io.kubesgx.attestation.token.TokenIssuer.unsigned(claims);
    String payload = new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
    assertEquals(v, io.kubesgx.common.json.Json.parseObject(payload).get(io.kubesgx.attestation.claims.ClaimNames.RUNTIME));
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
