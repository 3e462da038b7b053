package io.kubesgx.keybroker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the release-policy parser (untrusted bytes from key create, import and update): parse
 * either returns a policy or throws {@link MalformedInputException} with a message; a parsed policy
 * re-parses to an equal one from its JSON and evaluates without throwing.
 */
class ReleasePolicyFuzzTest {
  private static final VerifiedClaims CLAIMS = new VerifiedClaims("https://a.example", Map.of(
      "x-ms-sgx-is-debuggable", false, "x-ms-sgx-svn", 3L, "x", 1.5d, "a", Map.of("b", "c"), "c", "e"));

  @FuzzTest(maxDuration = "60s")
  void parseAndEvaluate(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    ReleasePolicy p;
    try {
      p = ReleasePolicy.parse(s);
    } catch (MalformedInputException e) {
      assertNotNull(e.getMessage());
      assertTrue(!e.getMessage().isEmpty());
      return;
    }
    try {
      assertEquals(p, ReleasePolicy.parse(p.toJson()));
    } catch (MalformedInputException e) {
      throw new AssertionError("a parsed policy must re-parse from its own JSON: " + p.toJson(), e);
    }
    PolicyDecision d = p.evaluate(CLAIMS);
    assertTrue(d.allowed() == d.failures().isEmpty());
  }
}
