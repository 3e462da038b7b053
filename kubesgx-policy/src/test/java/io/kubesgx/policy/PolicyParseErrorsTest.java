package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks every broken policy of {@code PolicyParseErrorsTest/errors.json} and the size limits. */
class PolicyParseErrorsTest {

  static JsonObject index() throws Exception {
    try (InputStream in = PolicyParseErrorsTest.class.getResourceAsStream("PolicyParseErrorsTest/errors.json")) {
      if (in == null) {
        throw new IOException("missing errors.json");
      }
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void parse_brokenPolicies_reportExactPositionAndMessage() throws Exception {
    List<String> failures = new ArrayList<>();
    List<JsonValue> cases = index().array("cases");
    for (JsonValue v : cases) {
      JsonObject c = (JsonObject) v;
      String name = c.string("name");
      try {
        Policy.parse(c.string("policy"));
        failures.add(name + ": parsed without error");
      } catch (PolicyParseException e) {
        String want =
            "line " + c.integer("line") + ", column " + c.integer("column") + ": " + c.string("message");
        if (!e.getMessage().equals(want)) {
          failures.add(name + ": got <" + e.getMessage() + "> want <" + want + ">");
        }
        if (e.line() != c.integer("line") || e.column() != c.integer("column")) {
          failures.add(name + ": accessor position mismatch");
        }
        if (!c.string("message").equals(e.reason())) {
          failures.add(name + ": reason() mismatch");
        }
      } catch (RuntimeException e) {
        failures.add(name + ": threw " + e);
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(cases.size() >= 50);
  }

  @Test
  void parse_textOver64KiB_failsAtLimitPosition() {
    String text = "version=1.0;\n// " + "x".repeat(PolicyParser.MAX_TEXT_BYTES);
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> Policy.parse(text));
    assertEquals(2, e.line());
    assertTrue(e.reason().contains("exceeds the limit of 65536 bytes"), e.getMessage());
  }

  @Test
  void parse_multiByteTextOver64KiB_countsUtf8Bytes() {
    // 30,000 three-byte characters: 90,000 UTF-8 bytes but only 30,000 chars
    String text = "version=1.0;// " + "\u20ac".repeat(30_000);
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> Policy.parse(text));
    assertTrue(e.reason().contains("exceeds the limit"), e.getMessage());
  }

  @Test
  void parse_exactly1000Rules_parses() throws Exception {
    StringBuilder sb = new StringBuilder("version=1.0; issuancerules {\n");
    sb.append("=>issue(type=\"a\",value=1);\n".repeat(1000));
    sb.append("};");
    assertEquals(1000, Policy.parse(sb.toString()).ruleCounts()[2]);
  }

  @Test
  void parse_1001Rules_failsAtRule1001() {
    StringBuilder sb = new StringBuilder("version=1.0; authorizationrules {\n=>permit();\n};\n");
    sb.append("issuancerules {\n");
    sb.append("=>add(type=\"a\",value=1);\n".repeat(1000));
    sb.append("};");
    PolicyParseException e =
        assertThrows(PolicyParseException.class, () -> Policy.parse(sb.toString()));
    assertEquals(1004, e.line()); // rule 1 is the permit on line 2; rule 1001 is on line 4 + 1000
    assertEquals(1, e.column());
    assertEquals("too many rules; a policy may have at most 1000", e.reason());
  }

  @Test
  void parse_deeplyNestedCalls_failsWithoutStackOverflow() {
    String text =
        "version=1.2; issuancerules { => issue(type=\"a\", value="
            + "NegateBool(".repeat(5000)
            + "true"
            + ")".repeat(5000)
            + "); };";
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> Policy.parse(text));
    assertEquals("function calls nested deeper than 16", e.reason());
  }

  @Test
  void parse_callsNested16Deep_parses() throws Exception {
    String text =
        "version=1.2; authorizationrules { => permit(); }; issuancerules { => issue(type=\"a\", value="
            + "NegateBool(".repeat(16)
            + "true"
            + ")".repeat(16)
            + "); };";
    Evaluation e = Policy.parse(text).evaluate(List.of());
    assertEquals(List.of(new Claim("a", ClaimValue.of(true), Claim.ATTESTATION_POLICY)), e.issued());
  }

  @Test
  void parse_manyConditions_parsesIteratively() throws Exception {
    String text =
        "version=1.0; authorizationrules { "
            + "[type==\"a\"] && ".repeat(3000)
            + "[type==\"a\"] => permit(); };";
    Policy p = Policy.parse(text);
    assertTrue(p.evaluate(List.of(Claim.of("a", ClaimValue.of(1)))).permitted());
  }

  @Test
  void parse_deepJmesPath_failsWithoutStackOverflow() {
    String text =
        "version=1.2; issuancerules { => issue(type=\"a\", value=JmesPath(\"{}\", \""
            + "(".repeat(500)
            + "a"
            + ")".repeat(500)
            + "\")); };";
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> Policy.parse(text));
    assertTrue(e.reason().startsWith("invalid JmesPath query:"), e.getMessage());
  }

  @Test
  void parse_nullText_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> Policy.parse(null));
  }
}
