package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests the accepted grammar of {@link Policy#parse}: versions, sections, rules, literals. */
class PolicyParseTest {

  static int[] counts(String text) throws PolicyParseException {
    return Policy.parse(text).ruleCounts();
  }

  @ParameterizedTest
  @CsvSource({"1.0, V1_0", "1.1, V1_1", "1.2, V1_2"})
  void parse_eachVersion_reportsIt(String text, PolicyVersion expected) throws Exception {
    Policy p = Policy.parse("version=" + text + ";");
    assertSame(expected, p.version());
    assertEquals(text, p.version().toString());
    assertEquals(List.of(), p.evaluate(List.of()).issued());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "version=1.0; authorizationrules { }; issuancerules { };",
        "version=1.0; issuancerules { };",
        "version=1.0; authorizationrules { };",
        "version=1.1; configurationrules { }; authorizationrules { }; issuancerules { };",
        "version=1.1; configurationrules { };",
        "version=1.1; authorizationrules { }; issuancerules { };",
        "version=1.2; configurationrules { }; issuancerules { };",
        "version=1.2;",
      })
  void parse_sectionCombinationsInOrder_parse(String text) throws Exception {
    int[] c = counts(text);
    assertEquals(0, c[0] + c[1] + c[2]);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "version=1.0;configurationrules{};|configurationrules requires version=1.1 or later",
        "version=1.1;issuancerules{};configurationrules{};|configurationrules must come before",
        "version=1.2;issuancerules{};issuancerules{};|duplicate section issuancerules",
      })
  void parse_badSectionCombinations_fail(String text, String message) {
    PolicyParseException e = assertThrows(PolicyParseException.class, () -> Policy.parse(text));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void parse_sectionNames_areCaseInsensitive() throws Exception {
    assertEquals(1, counts("version=1.0; AuthorizationRules { => permit(); }; Issuancerules { };")[1]);
  }

  @Test
  void parse_whitespaceAndCommentsAnywhere_areIgnored() throws Exception {
    String text =
        """
        // leading comment\r
        \tversion
        =
        1.0
        ;// after version
        authorizationrules // section
        {
          c // binding
         : [ type // prop
         == "a" , value
        >=
        -3 ] // end
          &&
        [\ttype=="b"\t]
        =>
        permit
        (
        )
        ;
        }
        ;
        // trailing""";
    Policy p = Policy.parse(text);
    assertEquals(1, p.ruleCounts()[1]);
    assertTrue(
        p.evaluate(List.of(Claim.of("a", ClaimValue.of(-3)), Claim.of("b", ClaimValue.of(""))))
            .permitted());
  }

  @Test
  void parse_commentInsideString_isPartOfString() throws Exception {
    Policy p =
        Policy.parse(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " => issue(type=\"a//b\", value=\"/* c */\"); };");
    assertEquals(
        List.of(new Claim("a//b", ClaimValue.of("/* c */"), Claim.ATTESTATION_POLICY)),
        p.evaluate(List.of()).issued());
  }

  @Test
  void parse_stringEscapes_areDecoded() throws Exception {
    Policy p =
        Policy.parse(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " => issue(type=\"e\", value=\"q\\\" b\\\\ s\\/ n\\n t\\t r\\r b\\b f\\f u\\u00e9\"); };");
    assertEquals(
        ClaimValue.of("q\" b\\ s/ n\n t\t r\r b\b f\f u\u00e9"),
        p.evaluate(List.of()).issued().get(0).value());
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "-1, -1",
    "9223372036854775807, 9223372036854775807",
    "-9223372036854775808, -9223372036854775808",
  })
  void parse_integerLiterals_cover64Bits(String literal, long expected) throws Exception {
    Policy p =
        Policy.parse(
            "version=1.0; authorizationrules { [type==\"n\", value=="
                + literal
                + "] => permit(); };");
    assertTrue(p.evaluate(List.of(Claim.of("n", ClaimValue.of(expected)))).permitted());
  }

  @Test
  void parse_rulesWithAndWithoutConditions_countPerSection() throws Exception {
    int[] c =
        counts(
            "version=1.1; configurationrules { => issueproperty(type=\"a\", value=1);"
                + " [type==\"x\"] => issueproperty(type=\"b\", value=true); };"
                + " authorizationrules { => permit(); [type==\"x\"] => deny();"
                + " c:[type==\"x\"] => add(claim=c); => add(type=\"t\", value=\"v\"); };"
                + " issuancerules { c:[type==\"x\"] => issue(claim=c);"
                + " c:[type==\"x\"] => issueproperty(claim = c);"
                + " => issue(value=1, type=\"reordered\"); };");
    assertEquals(2, c[0]);
    assertEquals(4, c[1]);
    assertEquals(3, c[2]);
  }

  @Test
  void parse_actionWithSpaceBeforeParenthesis_parses() throws Exception {
    assertEquals(1, counts("version=1.1; configurationrules { => issueproperty (type=\"a\", value=1); };")[0]);
  }

  @Test
  void parse_functionsAndNotIn12_parse() throws Exception {
    int[] c =
        counts(
            "version=1.2; issuancerules {"
                + " c:[type==\"j\"] && ![type==\"k\"] =>"
                + " issue(type=\"a\", value=JsonToClaimValue(JmesPath(c.value, \"a.b[0]\")));"
                + " c:[type==\"j\"] => add(type=\"s\", value=AppendString(c.type, \"x\"));"
                + " c:[type==\"j\", value==JsonToClaimValue(\"1\")] => issue(claim=c); };");
    assertEquals(3, c[2]);
  }

  @Test
  void parse_textIsKeptVerbatim() throws Exception {
    String text = "version=1.0;\n// hi\nauthorizationrules{=>permit();};\n";
    assertEquals(text, Policy.parse(text).text());
  }

  @Test
  void parse_exceptionMessage_hasLineColumnPrefix() {
    PolicyParseException e =
        assertThrows(
            PolicyParseException.class,
            () -> Policy.parse("version=1.0;\nauthorizationrules {\n  [type==\"a\", value<\"abc\"] => permit();\n};"));
    assertEquals(
        "line 3, column 20: expected \"==\" or \"!=\" after value for a string literal",
        e.getMessage());
  }
}
