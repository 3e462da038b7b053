package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes {@link Policy#parse} and, when the text parses, {@link Policy#configure} and {@link
 * Policy#evaluate} over a fixed claim set: only {@link PolicyParseException} may escape.
 */
class PolicyFuzzTest {
  private static final List<Claim> CLAIMS = claims();

  private static List<Claim> claims() {
    try {
      return List.of(
          Claim.of("x-ms-attestation-type", ClaimValue.of("sgx")),
          Claim.of("x-ms-sgx-is-debuggable", ClaimValue.of(false)),
          Claim.of("x-ms-sgx-product-id", ClaimValue.of(7)),
          Claim.of("x-ms-sgx-svn", ClaimValue.of(3)),
          Claim.of("x-ms-sgx-mrsigner", ClaimValue.of("a".repeat(64))),
          Claim.of("x-ms-sgx-mrenclave", ClaimValue.of("b".repeat(64))),
          Claim.of("a", ClaimValue.of("{\"b\":[1,2,{\"c\":\"d\"}]}")),
          new Claim("a", ClaimValue.of(-1), "CustomClaim"),
          Claim.of(
              "x-ms-runtime",
              ClaimValue.json(Json.parse("{\"keys\":[{\"kid\":\"k1\",\"n\":1}],\"x\":[[1],[2,[3]]]}"))));
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    Policy p;
    try {
      p = Policy.parse(text);
    } catch (PolicyParseException expected) {
      assertTrue(expected.line() >= 1 && expected.column() >= 1, expected.getMessage());
      return;
    }
    assertEquals(text, p.text());
    ConfigurationResult cfg = p.configure(CLAIMS);
    Evaluation e = p.evaluate(cfg.incomingAfter());
    assertNotNull(e.decisionDetail());
    assertTrue(e.permitted() || e.issued().isEmpty());
    assertTrue(e.incomingAfter().size() <= Evaluator.MAX_CLAIMS);
    // evaluation is deterministic
    assertEquals(e, p.evaluate(cfg.incomingAfter()));
  }
}
