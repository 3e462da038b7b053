package io.kubesgx.keybroker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.MalformedInputException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven tests of the SKR release-policy grammar and its evaluation. */
class ReleasePolicyTest {
  private static final String ISS = "https://attest.example";
  /** Claims as our attestation service and MAA put them into SGX tokens. */
  private static final VerifiedClaims SGX = new VerifiedClaims(ISS, Map.of(
      "iss", ISS,
      "x-ms-sgx-is-debuggable", false,
      "x-ms-sgx-mrsigner", "aabb",
      "x-ms-sgx-svn", 3L,
      "x-ms-sgx-product-id", 7L,
      "x-ms-isolation-tee", Map.of("x-ms-attestation-type", "sevsnpvm", "x-ms-compliance-status", "azure-compliant-cvm"),
      "x-ms-runtime", Map.of("keys", List.of(Map.of("kty", "RSA"))),
      "x-ms-ver", "1.0"));

  private static String policy(String authority, String conditions) {
    return "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + authority + "\",\"allOf\":[" + conditions + "]}]}";
  }

  static Stream<Arguments> evaluations() {
    return Stream.of(
        // condition, allowed, failing claim
        Arguments.of("{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":\"false\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":true}", false, "x-ms-sgx-is-debuggable"),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"aabb\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"ccdd\"}", false, "x-ms-sgx-mrsigner"),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"notEquals\":\"ccdd\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"notEquals\":\"aabb\"}", false, "x-ms-sgx-mrsigner"),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"equals\":\"3\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"equals\":3.0}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"greater\":1}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"greater\":3}", false, "x-ms-sgx-svn"),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":3}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":4}", false, "x-ms-sgx-svn"),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"less\":4}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"less\":3}", false, "x-ms-sgx-svn"),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"lessOrEquals\":3}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"lessOrEquals\":2}", false, "x-ms-sgx-svn"),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"greater\":1}", false, "x-ms-sgx-mrsigner"),
        Arguments.of("{\"claim\":\"x-ms-sgx-svn\",\"exists\":true}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-nothing\",\"exists\":true}", false, "x-ms-nothing"),
        Arguments.of("{\"claim\":\"x-ms-nothing\",\"exists\":false}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-nothing\",\"equals\":\"x\"}", false, "x-ms-nothing"),
        Arguments.of("{\"claim\":\"x-ms-nothing\",\"notEquals\":\"x\"}", false, "x-ms-nothing"),
        Arguments.of("{\"claim\":\"x-ms-isolation-tee.x-ms-attestation-type\",\"equals\":\"sevsnpvm\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-isolation-tee.x-ms-attestation-type\",\"equals\":\"tdxvm\"}", false,
            "x-ms-isolation-tee.x-ms-attestation-type"),
        Arguments.of("{\"claim\":\"x-ms-isolation-tee.missing.deeper\",\"exists\":true}", false, "x-ms-isolation-tee.missing.deeper"),
        Arguments.of("{\"claim\":\"x-ms-isolation-tee\",\"equals\":\"x\"}", false, "x-ms-isolation-tee"),
        Arguments.of("{\"claim\":\"x-ms-runtime\",\"notEquals\":\"x\"}", false, "x-ms-runtime"),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"condition\":\"equals\",\"value\":\"aabb\"}", true, ""),
        Arguments.of("{\"claim\":\"x-ms-sgx-mrsigner\",\"condition\":\"equals\",\"value\":\"ccdd\"}", false, "x-ms-sgx-mrsigner"),
        Arguments.of("{\"anyOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":9},{\"claim\":\"x-ms-sgx-product-id\",\"equals\":7}]}", true, ""),
        Arguments.of("{\"anyOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":9},{\"claim\":\"x-ms-sgx-product-id\",\"equals\":8}]}", false,
            "x-ms-sgx-svn, x-ms-sgx-product-id"),
        Arguments.of("{\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":3},{\"anyOf\":[{\"claim\":\"x-ms-ver\",\"equals\":\"1.0\"}]}]}",
            true, ""));
  }

  @ParameterizedTest
  @MethodSource("evaluations")
  void evaluate_condition_matchesTable(String condition, boolean allowed, String failingClaims) throws Exception {
    PolicyDecision d = ReleasePolicy.parse(policy(ISS, condition)).evaluate(SGX);
    assertEquals(allowed, d.allowed(), d.adminDetail());
    assertEquals(failingClaims, d.callerDetail());
  }

  @Test
  void evaluate_authorityWithOrWithoutTrailingSlash_matchesIssuer() throws Exception {
    String c = "{\"claim\":\"x-ms-sgx-svn\",\"equals\":3}";
    assertTrue(ReleasePolicy.parse(policy(ISS + "/", c)).evaluate(SGX).allowed());
    VerifiedClaims slashed = new VerifiedClaims(ISS + "/", SGX.all());
    assertTrue(ReleasePolicy.parse(policy(ISS, c)).evaluate(slashed).allowed());
  }

  @Test
  void evaluate_otherAuthority_deniedNamingIss() throws Exception {
    PolicyDecision d = ReleasePolicy.parse(policy("https://other.example", "{\"claim\":\"x-ms-sgx-svn\",\"equals\":3}")).evaluate(SGX);
    assertFalse(d.allowed());
    assertEquals("iss", d.callerDetail());
    assertTrue(d.adminDetail().contains("https://other.example"), d.adminDetail());
  }

  @Test
  void evaluate_secondAuthorityMatches_allowed() throws Exception {
    String p = "{\"version\":\"1.0.0\",\"anyOf\":["
        + "{\"authority\":\"https://other.example\",\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":3}]},"
        + "{\"authority\":\"" + ISS + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":3}]}]}";
    assertTrue(ReleasePolicy.parse(p).evaluate(SGX).allowed());
  }

  @Test
  void evaluate_denial_adminDetailHasValueCallerDetailOnlyClaimName() throws Exception {
    PolicyDecision d = ReleasePolicy.parse(policy(ISS, "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"ccdd\"}")).evaluate(SGX);
    assertTrue(d.adminDetail().contains("aabb") && d.adminDetail().contains("ccdd"), d.adminDetail());
    assertEquals("x-ms-sgx-mrsigner", d.callerDetail());
  }

  @Test
  void parse_topLevelAllOfAndVersion10_accepted() throws Exception {
    ReleasePolicy p = ReleasePolicy.parse("{\"version\":\"1.0\",\"allOf\":[{\"authority\":\"" + ISS
        + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"equals\":3}]}]}");
    assertTrue(p.evaluate(SGX).allowed());
    assertEquals("1.0", p.version());
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("{\"anyOf\":[{\"claim\":\"a\",\"equals\":1}]}", "missing 'version'"),
        Arguments.of("{\"version\":\"2.0\",\"anyOf\":[{\"claim\":\"a\",\"equals\":1}]}", "unsupported version"),
        Arguments.of("{\"version\":\"1.0.0\"}", "exactly one of"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[],\"allOf\":[]}", "exactly one of"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[]}", "must not be empty"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"x\",\"anyOf\":[{\"claim\":\"a\",\"equals\":1}],"
            + "\"allOf\":[{\"claim\":\"a\",\"equals\":1}]}]}", "exactly one of"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"matches\":1}]}", "unknown operator 'matches'"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"equals\":1,\"less\":2}]}", "exactly one operator"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"equals\":{\"b\":1}}]}", "objects and arrays"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"equals\":[1]}]}", "objects and arrays"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"greater\":\"high\"}]}", "needs a number"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"exists\":\"maybe\"}]}", "takes true or false"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"a\",\"condition\":\"like\",\"value\":\"x\"}]}", "unknown condition"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"claim\":\"\",\"equals\":1}]}", "must not be empty"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[\"x\"]}", "must be objects"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"x\",\"allOf\":[{\"claim\":\"a\",\"equals\":1}],\"y\":1}]}",
            "unknown property 'y'"),
        Arguments.of("{\"version\":\"1.0.0\",\"oneOf\":[]}", "unknown top-level property"),
        Arguments.of("[1]", "expected a JSON object"),
        Arguments.of("{\"version\":\"1.0.0\",\"anyOf\":" + "[{\"anyOf\":".repeat(20) + "[{\"claim\":\"a\",\"equals\":1}]"
            + "}]".repeat(20) + "}", "nested deeper"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void parse_malformed_throwsWithMessage(String text, String messagePart) {
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> ReleasePolicy.parse(text));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void parse_tooManyConditions_rejected() {
    String many = "{\"claim\":\"a\",\"equals\":1},".repeat(ReleasePolicy.MAX_NODES + 1);
    String text = "{\"version\":\"1.0.0\",\"anyOf\":[" + many.substring(0, many.length() - 1) + "]}";
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> ReleasePolicy.parse(text));
    assertTrue(e.getMessage().contains("more than"), e.getMessage());
  }
}
