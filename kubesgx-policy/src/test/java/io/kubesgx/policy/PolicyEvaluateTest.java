package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tests {@link Policy#evaluate} and {@link Policy#configure}: MAA rule semantics. */
class PolicyEvaluateTest {

  static final String MRSIGNER = "a".repeat(64);

  static List<Claim> sgxClaims() {
    return List.of(
        Claim.of("x-ms-attestation-type", ClaimValue.of("sgx")),
        Claim.of("x-ms-sgx-is-debuggable", ClaimValue.of(false)),
        Claim.of("x-ms-sgx-product-id", ClaimValue.of(7)),
        Claim.of("x-ms-sgx-svn", ClaimValue.of(3)),
        Claim.of("x-ms-sgx-mrsigner", ClaimValue.of(MRSIGNER)),
        Claim.of("x-ms-sgx-mrenclave", ClaimValue.of("b".repeat(64))));
  }

  static Policy policy(String text) {
    try {
      return Policy.parse(text);
    } catch (PolicyParseException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  static Evaluation eval(String text) {
    return policy(text).evaluate(sgxClaims());
  }

  static String auth(String rules) {
    return "version=1.0; authorizationrules { " + rules + " };";
  }

  @Test
  void evaluate_emptyConditionPermit_permits() {
    Evaluation e = eval("version=1.0; authorizationrules { => permit(); };");
    assertTrue(e.permitted());
    assertEquals("permitted by authorizationrules rule 1 (line 1)", e.decisionDetail());
    assertEquals(List.of(), e.issued());
  }

  @Test
  void evaluate_noAuthorizationSection_deniesNoPermit() {
    Evaluation e = eval("version=1.0; issuancerules { => issue(type=\"a\", value=1); };");
    assertFalse(e.permitted());
    assertEquals("no permit rule matched", e.decisionDetail());
    assertEquals(List.of(), e.issued());
  }

  @Test
  void evaluate_emptyAuthorizationSection_deniesNoPermit() {
    Evaluation e = eval("version=1.0; authorizationrules { }; issuancerules { };");
    assertFalse(e.permitted());
    assertEquals("no permit rule matched", e.decisionDetail());
  }

  @Test
  void evaluate_conditionNotMet_deniesNoPermit() {
    Evaluation e = eval(auth("[type==\"x-ms-sgx-svn\", value>=4] => permit();"));
    assertFalse(e.permitted());
    assertEquals("no permit rule matched", e.decisionDetail());
  }

  @Test
  void evaluate_documentedSgxSample_permitsAndIssues() {
    String text =
        "version= 1.0;\n"
            + "authorizationrules\n{\n"
            + "  [ type==\"x-ms-sgx-is-debuggable\", value==false ]\n"
            + "   && [ type==\"x-ms-sgx-product-id\", value==7 ]\n"
            + "   && [ type==\"x-ms-sgx-svn\", value>= 0 ]\n"
            + "   && [ type==\"x-ms-sgx-mrsigner\", value==\""
            + MRSIGNER
            + "\"]\n"
            + "  => permit();\n};\n"
            + "issuancerules {\n"
            + "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"signer\", value=c.value);\n};\n";
    Evaluation e = eval(text);
    assertTrue(e.permitted(), e.decisionDetail());
    assertEquals("permitted by authorizationrules rule 1 (line 4)", e.decisionDetail());
    assertEquals(
        List.of(new Claim("signer", ClaimValue.of(MRSIGNER), Claim.ATTESTATION_POLICY)),
        e.issued());
  }

  @Test
  void evaluate_denyAfterPermit_denyWins() {
    Evaluation e = eval(auth("=> permit();\n [type==\"x-ms-sgx-svn\", value==3] => deny();"));
    assertFalse(e.permitted());
    assertEquals("denied by authorizationrules rule 2 (line 2)", e.decisionDetail());
  }

  @Test
  void evaluate_denyBeforePermit_denyWins() {
    Evaluation e = eval(auth("=> deny();\n=> permit();"));
    assertFalse(e.permitted());
    assertEquals("denied by authorizationrules rule 1 (line 1)", e.decisionDetail());
  }

  @Test
  void evaluate_denyNotFired_permitStands() {
    Evaluation e = eval(auth("[type==\"x-ms-sgx-is-debuggable\", value==true] => deny(); => permit();"));
    assertTrue(e.permitted());
    assertEquals("permitted by authorizationrules rule 2 (line 1)", e.decisionDetail());
  }

  @Test
  void evaluate_secondOfTwoPermits_reportsFirstFiring() {
    Evaluation e =
        eval(
            auth(
                "[type==\"x-ms-sgx-mrsigner\", value==\"other\"] => permit();\n"
                    + "[type==\"x-ms-sgx-mrsigner\", value==\""
                    + MRSIGNER
                    + "\"] => permit();"));
    assertTrue(e.permitted());
    assertEquals("permitted by authorizationrules rule 2 (line 2)", e.decisionDetail());
  }

  @Test
  void evaluate_denied_runsNoIssuanceRules() {
    Evaluation e =
        eval("version=1.0; authorizationrules { => deny(); }; issuancerules { => issue(type=\"a\", value=1); };");
    assertFalse(e.permitted());
    assertEquals(List.of(), e.issued());
    assertEquals(List.of(), e.properties());
  }

  @ParameterizedTest
  @CsvSource({
    "==, 3, true",
    "==, 4, false",
    "!=, 4, true",
    "!=, 3, false",
    "<, 4, true",
    "<, 3, false",
    "<=, 3, true",
    "<=, 2, false",
    ">, 2, true",
    ">, 3, false",
    ">=, 3, true",
    ">=, 4, false",
    ">=, -5, true",
  })
  void evaluate_integerOperators_compareSvn(String op, long literal, boolean expected) {
    Evaluation e = eval(auth("[type==\"x-ms-sgx-svn\", value" + op + literal + "] => permit();"));
    assertEquals(expected, e.permitted(), op + " " + literal);
  }

  @ParameterizedTest
  @CsvSource({
    "==, sgx, true",
    "==, tdx, false",
    "!=, tdx, true",
    "!=, sgx, false",
  })
  void evaluate_stringOperators_compareType(String op, String literal, boolean expected) {
    Evaluation e =
        eval(auth("[type==\"x-ms-attestation-type\", value" + op + "\"" + literal + "\"] => permit();"));
    assertEquals(expected, e.permitted());
  }

  @ParameterizedTest
  @CsvSource({"==, false, true", "==, true, false", "!=, true, true", "!=, false, false"})
  void evaluate_booleanOperators_compareDebuggable(String op, String literal, boolean expected) {
    Evaluation e =
        eval(auth("[type==\"x-ms-sgx-is-debuggable\", value" + op + literal + "] => permit();"));
    assertEquals(expected, e.permitted());
  }

  @Test
  void evaluate_valueTypeMismatch_doesNotMatch() {
    // svn is an Integer; the string "3" is not equal to it, and != does not match either
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", value==\"3\"] => permit();")).permitted());
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", value!=\"3\"] => permit();")).permitted());
    assertFalse(eval(auth("[type==\"x-ms-sgx-mrsigner\", value>=1] => permit();")).permitted());
  }

  @Test
  void evaluate_testsInOneBracket_mustHoldForSameClaim() {
    // a claim of type svn exists and a claim with value "sgx" exists, but not the same claim
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", value==\"sgx\"] => permit();")).permitted());
    assertTrue(
        eval(auth("[type==\"x-ms-sgx-svn\"] && [value==\"sgx\"] => permit();")).permitted());
  }

  @Test
  void evaluate_rangeTestsInOneBracket_allMustHold() {
    assertTrue(eval(auth("[type==\"x-ms-sgx-svn\", value>=2, value<=3] => permit();")).permitted());
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", value>=2, value<3] => permit();")).permitted());
  }

  @Test
  void evaluate_issuerAndValueTypeTests_match() {
    assertTrue(
        eval(auth("[type==\"x-ms-sgx-svn\", issuer==\"AttestationService\", valueType==\"Integer\"]"
                + " => permit();"))
            .permitted());
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", issuer==\"CustomClaim\"] => permit();")).permitted());
    assertFalse(eval(auth("[type==\"x-ms-sgx-svn\", valueType==\"String\"] => permit();")).permitted());
    assertTrue(eval(auth("[type==\"x-ms-sgx-svn\", issuer!=\"CustomClaim\"] => permit();")).permitted());
  }

  @Test
  void evaluate_emptyBrackets_matchAnyClaim() {
    assertTrue(eval(auth("[] => permit();")).permitted());
    assertFalse(policy(auth("[] => permit();")).evaluate(List.of()).permitted());
  }

  @Test
  void evaluate_addInAuthorization_visibleToLaterRulesAndIssuanceNotInToken() {
    String text =
        """
        version=1.0; authorizationrules {
          [type=="x-ms-sgx-svn", value>=3] => add(type="svnOk", value=true);
          [type=="svnOk", value==true, issuer=="AttestationPolicy"] => permit();
        }; issuancerules {
          c:[type=="svnOk"] => issue(type="svn-ok", value=c.value);
        };""";
    Evaluation e = eval(text);
    assertTrue(e.permitted(), e.decisionDetail());
    assertEquals("permitted by authorizationrules rule 2 (line 3)", e.decisionDetail());
    assertEquals(
        List.of(new Claim("svn-ok", ClaimValue.of(true), Claim.ATTESTATION_POLICY)), e.issued());
    assertTrue(
        e.incomingAfter()
            .contains(new Claim("svnOk", ClaimValue.of(true), Claim.ATTESTATION_POLICY)));
  }

  @Test
  void evaluate_ruleOrder_laterAddNotVisibleToEarlierRule() {
    String text =
        auth(
            "[type==\"late\"] => permit();\n"
                + "=> add(type=\"late\", value=1);");
    assertFalse(eval(text).permitted());
  }

  @Test
  void evaluate_issueAndIssueProperty_goToTheirSetsAndIncoming() {
    String text =
        "version=1.0; authorizationrules { => permit(); }; issuancerules {\n"
            + " => add(type=\"hidden\", value=\"h\");\n"
            + " => issue(type=\"out\", value=1);\n"
            + " => issueproperty(type=\"report_validity_in_minutes\", value=60);\n"
            + " [type==\"out\", value==1] && [type==\"report_validity_in_minutes\"] && [type==\"hidden\"]"
            + " => issue(type=\"seen\", value=true);\n"
            + "};";
    Evaluation e = eval(text);
    assertEquals(
        List.of(
            new Claim("out", ClaimValue.of(1), Claim.ATTESTATION_POLICY),
            new Claim("seen", ClaimValue.of(true), Claim.ATTESTATION_POLICY)),
        e.issued());
    assertEquals(
        List.of(new Claim("report_validity_in_minutes", ClaimValue.of(60), Claim.ATTESTATION_POLICY)),
        e.properties());
    assertEquals(sgxClaims().size() + 4, e.incomingAfter().size());
  }

  @Test
  void evaluate_issueClaimBinding_copiesEveryBoundClaim() {
    List<Claim> claims = new ArrayList<>(sgxClaims());
    claims.add(Claim.of("multi", ClaimValue.of("a")));
    claims.add(Claim.of("multi", ClaimValue.of("b")));
    Policy p =
        policy(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " c:[type==\"multi\"] => issue(claim=c); };");
    Evaluation e = p.evaluate(claims);
    assertEquals(
        List.of(
            new Claim("multi", ClaimValue.of("a"), Claim.ATTESTATION_POLICY),
            new Claim("multi", ClaimValue.of("b"), Claim.ATTESTATION_POLICY)),
        e.issued());
  }

  @Test
  void evaluate_bindingReferencedInLaterCondition_joinsOnValue() {
    List<Claim> claims =
        List.of(
            new Claim("OSName", ClaimValue.of("Windows"), "CustomClaim"),
            new Claim("OSName", ClaimValue.of("Windows"), "AttestationService"));
    String text =
        """
        version=1.0; authorizationrules { => permit(); }; issuancerules {
        F1:[type=="OSName", issuer=="CustomClaim"] &&
        C2:[type=="OSName", issuer=="AttestationService", value==F1.value]
        => issue(claim = C2);
        F1:[type=="OSName", issuer=="CustomClaim"] &&
        [type=="OSName", issuer=="AttestationService", value==F1.value]
        => issueproperty(type="report_validity_in_minutes", value=1440);
        };""";
    Evaluation e = policy(text).evaluate(claims);
    assertEquals(
        List.of(new Claim("OSName", ClaimValue.of("Windows"), Claim.ATTESTATION_POLICY)),
        e.issued());
    assertEquals(1, e.properties().size());

    List<Claim> mismatch =
        List.of(
            new Claim("OSName", ClaimValue.of("Linux"), "CustomClaim"),
            new Claim("OSName", ClaimValue.of("Windows"), "AttestationService"));
    Evaluation e2 = policy(text).evaluate(mismatch);
    assertEquals(List.of(), e2.issued());
    assertEquals(List.of(), e2.properties());
  }

  @Test
  void evaluate_bindingTypeAndIssuerProperties_areStrings() {
    Evaluation e =
        eval(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " c:[type==\"x-ms-sgx-svn\"] => issue(type=c.type, value=c.issuer);"
                + " c:[type==\"x-ms-sgx-svn\", issuer==\"AttestationService\"] => issue(type=\"vt\", value=c.valueType); };");
    assertEquals(
        List.of(
            new Claim("x-ms-sgx-svn", ClaimValue.of("AttestationService"), Claim.ATTESTATION_POLICY),
            new Claim("vt", ClaimValue.of("Integer"), Claim.ATTESTATION_POLICY)),
        e.issued());
  }

  @Test
  void evaluate_conditionalIssueNotMet_issuesNothing() {
    Evaluation e =
        eval(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " c:[type==\"absent\"] => issue(type=\"x\", value=c.value); };");
    assertTrue(e.permitted());
    assertEquals(List.of(), e.issued());
  }

  @Test
  void configure_version11_setsPropertiesAndIncoming() {
    Policy p =
        policy(
            """
            version= 1.1;
            configurationrules{
            \t=> issueproperty(type="x-ms-sgx-tcbidentifier", value="azuredefault");
            };
            authorizationrules{
            \t=> permit();
            };""");
    ConfigurationResult r = p.configure(sgxClaims());
    Claim tcb =
        new Claim("x-ms-sgx-tcbidentifier", ClaimValue.of("azuredefault"), Claim.ATTESTATION_POLICY);
    assertEquals(List.of(tcb), r.properties());
    assertEquals(sgxClaims().size() + 1, r.incomingAfter().size());
    // configure does not run authorization or issuance; evaluate does not run configuration
    Evaluation e = p.evaluate(sgxClaims());
    assertTrue(e.permitted());
    assertEquals(List.of(), e.properties());
  }

  @Test
  void configure_version10_isEmpty() {
    Policy p = policy("version=1.0; authorizationrules { => permit(); };");
    ConfigurationResult r = p.configure(sgxClaims());
    assertEquals(List.of(), r.properties());
    assertEquals(sgxClaims(), r.incomingAfter());
  }

  @Test
  void evaluate_configurationOutputFedIn_visibleToAuthorization() {
    Policy p =
        policy(
            "version=1.1; configurationrules { => issueproperty(type=\"p\", value=1); };"
                + " authorizationrules { [type==\"p\", value==1] => permit(); };");
    assertFalse(p.evaluate(sgxClaims()).permitted());
    assertTrue(p.evaluate(p.configure(sgxClaims()).incomingAfter()).permitted());
  }

  @Test
  void evaluate_jsonClaimComparedWithString_doesNotMatch() throws Exception {
    List<Claim> claims =
        List.of(Claim.of("x-ms-runtime", ClaimValue.json(Json.parse("{\"a\":1}"))));
    Policy p = policy(auth("[type==\"x-ms-runtime\", value==\"{\\\"a\\\":1}\"] => permit();"));
    assertFalse(p.evaluate(claims).permitted());
    Policy q = policy(auth("[type==\"x-ms-runtime\", valueType==\"Json\"] => permit();"));
    assertTrue(q.evaluate(claims).permitted());
  }

  @Test
  void evaluate_issueJsonClaim_keepsJsonValue() throws Exception {
    JsonValue runtime = Json.parse("{\"keys\":[{\"kid\":\"k1\"}]}");
    Policy p =
        policy(
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                + " c:[type==\"x-ms-runtime\"] => issue(type=\"runtime\", value=c.value); };");
    Evaluation e = p.evaluate(List.of(Claim.of("x-ms-runtime", ClaimValue.json(runtime))));
    assertEquals(ClaimValue.json(runtime), e.issued().get(0).value());
  }

  @Test
  void evaluate_jmesPathOverRuntime_issuesKid() throws Exception {
    JsonValue runtime = Json.parse("{\"keys\":[{\"kid\":\"k1\",\"kty\":\"RSA\"},{\"kid\":\"k2\"}]}");
    Policy p =
        policy(
            "version=1.2; authorizationrules {\n"
                + " c:[type==\"x-ms-runtime\"] => add(type=\"kid\","
                + " value=JsonToClaimValue(JmesPath(c.value, \"keys[0].kid\")));\n"
                + " [type==\"kid\", value==\"k1\"] => permit();\n"
                + "}; issuancerules {\n"
                + " c:[type==\"x-ms-runtime\"] => issue(type=\"kids\","
                + " value=JmesPath(c.value, \"keys[*].kid\"));\n"
                + " c:[type==\"x-ms-runtime\"] => issue(type=\"n\","
                + " value=JsonToClaimValue(JmesPath(c.value, \"length(keys)\")));\n"
                + "};");
    Evaluation e = p.evaluate(List.of(Claim.of("x-ms-runtime", ClaimValue.json(runtime))));
    assertTrue(e.permitted(), e.decisionDetail());
    assertEquals(
        List.of(
            new Claim("kids", ClaimValue.of("[\"k1\",\"k2\"]"), Claim.ATTESTATION_POLICY),
            new Claim("n", ClaimValue.of(2), Claim.ATTESTATION_POLICY)),
        e.issued());
  }

  @Test
  void evaluate_jmesPathOnStringJson_documentedLiteralExample() {
    // claim-rule-functions: JmesPath("{\"foo\": \"bar\"}", "foo") gives the JSON "bar"
    Policy p =
        policy(
            "version=1.2; authorizationrules { => permit(); }; issuancerules {"
                + " => issue(type=\"JmesPathResult\", value=JmesPath(\"{\\\"foo\\\": \\\"bar\\\"}\","
                + " \"foo\"));"
                + " => issue(type=\"Unquoted\","
                + " value=JsonToClaimValue(JmesPath(\"{\\\"foo\\\": \\\"bar\\\"}\", \"foo\"))); };");
    Evaluation e = p.evaluate(List.of());
    assertEquals(ClaimValue.of("\"bar\""), e.issued().get(0).value());
    assertEquals(ClaimValue.of("bar"), e.issued().get(1).value());
  }

  @Test
  void evaluate_jsonToClaimValueArray_issuesOneClaimPerElement() {
    Policy p =
        policy(
            "version=1.2; authorizationrules { => permit(); }; issuancerules {"
                + " => add(type=\"JsonData\", value=\"[0, \\\"abc\\\", true, null]\");"
                + " c:[type==\"JsonData\"] => issue(type=\"Result\", value=JsonToClaimValue(c.value));"
                + " => issue(type=\"Null\", value=JsonToClaimValue(\"null\")); };");
    Evaluation e = p.evaluate(List.of());
    assertEquals(
        List.of(
            new Claim("Result", ClaimValue.of(0), Claim.ATTESTATION_POLICY),
            new Claim("Result", ClaimValue.of("abc"), Claim.ATTESTATION_POLICY),
            new Claim("Result", ClaimValue.of(true), Claim.ATTESTATION_POLICY)),
        e.issued());
  }

  @Test
  void evaluate_setFunctions_followDocumentedExamples() {
    List<Claim> claims =
        List.of(
            Claim.of("Subset", ClaimValue.of("abc")),
            Claim.of("Subset", ClaimValue.of(100)),
            Claim.of("Superset", ClaimValue.of(true)),
            Claim.of("Superset", ClaimValue.of("abc")),
            Claim.of("Superset", ClaimValue.of(100)),
            Claim.of("Set", ClaimValue.of(100)),
            Claim.of("Set", ClaimValue.of(101)),
            Claim.of("Same", ClaimValue.of(false)),
            Claim.of("Same", ClaimValue.of(false)),
            Claim.of("String1", ClaimValue.of("abc")),
            Claim.of("String2", ClaimValue.of("xyz")));
    Policy p =
        policy(
            "version=1.2; authorizationrules { => permit(); }; issuancerules {\n"
                + "c1:[type==\"Subset\"] && c2:[type==\"Superset\"] =>"
                + " issue(type=\"IsSubset\", value=IsSubsetOf(c1.value, c2.value));\n"
                + "c1:[type==\"Superset\"] && c2:[type==\"Subset\"] =>"
                + " issue(type=\"IsSuperSubset\", value=IsSubsetOf(c1.value, c2.value));\n"
                + "c:[type==\"Set\"] => issue(type=\"Only100\", value=ContainsOnlyValue(c.value, 100));\n"
                + "c:[type==\"Same\"] => issue(type=\"OnlyFalse\", value=ContainsOnlyValue(c.value, false));\n"
                + "c1:[type==\"String1\"] && c2:[type==\"String2\"] =>"
                + " issue(type=\"Appended\", value=AppendString(c1.value, c2.value));\n"
                + "c:[type==\"Same\"] => issue(type=\"Negated\", value=NegateBool(c.value));\n"
                + "};");
    Evaluation e = p.evaluate(claims);
    List<Claim> expected =
        List.of(
            new Claim("IsSubset", ClaimValue.of(true), Claim.ATTESTATION_POLICY),
            new Claim("IsSuperSubset", ClaimValue.of(false), Claim.ATTESTATION_POLICY),
            new Claim("Only100", ClaimValue.of(false), Claim.ATTESTATION_POLICY),
            new Claim("OnlyFalse", ClaimValue.of(true), Claim.ATTESTATION_POLICY),
            new Claim("Appended", ClaimValue.of("abcxyz"), Claim.ATTESTATION_POLICY),
            new Claim("Negated", ClaimValue.of(true), Claim.ATTESTATION_POLICY),
            new Claim("Negated", ClaimValue.of(true), Claim.ATTESTATION_POLICY));
    assertEquals(expected, e.issued());
  }

  @Test
  void evaluate_notCondition_firesOnlyWhenAbsent() {
    Policy p =
        policy(
            """
            version=1.2; authorizationrules { => permit(); }; issuancerules {
            ![type=="Claim3"] => add(type="Claim3", value=300);
            ![type=="Claim3"] => issue(type="second", value=1);
            [type=="Claim3", value==300] => issue(type="present", value=true);
            };""");
    Evaluation e = p.evaluate(List.of());
    assertEquals(
        List.of(new Claim("present", ClaimValue.of(true), Claim.ATTESTATION_POLICY)), e.issued());
  }

  @Test
  void evaluate_failingJmesPathInAuthorization_deniesFailClosed() {
    Policy p =
        policy(
            "version=1.2; authorizationrules {\n => permit();\n"
                + " c:[type==\"x-ms-sgx-mrsigner\"] => add(type=\"x\", value=JmesPath(c.value, \"a\"));\n};");
    Evaluation e = p.evaluate(sgxClaims());
    assertFalse(e.permitted());
    assertTrue(
        e.decisionDetail().startsWith("denied: authorizationrules rule 2 (line 3) could not be evaluated: JmesPath:"),
        e.decisionDetail());
  }

  @Test
  void evaluate_failingRuleInIssuance_isSkippedNotFatal() {
    Policy p =
        policy(
            """
            version=1.2; authorizationrules { => permit(); }; issuancerules {
             => issue(type="bad", value=JsonToClaimValue("{\\"a\\":1}"));
             => issue(type="frac", value=JsonToClaimValue("1.5"));
             => issue(type="good", value=1);
            };""");
    Evaluation e = p.evaluate(List.of());
    assertTrue(e.permitted());
    assertEquals(List.of(new Claim("good", ClaimValue.of(1), Claim.ATTESTATION_POLICY)), e.issued());
  }

  @Test
  void evaluate_dynamicJmesPathQuery_compiledAtRuntime() {
    List<Claim> claims =
        List.of(
            Claim.of("JsonData", ClaimValue.of("{\"values\": [0,1,2,3,4]}")),
            Claim.of("JmesPathQuery", ClaimValue.of("values[2]")));
    Policy p =
        policy(
            "version=1.2; authorizationrules { => permit(); }; issuancerules {"
                + " c1:[type==\"JsonData\"] && c2:[type==\"JmesPathQuery\"] =>"
                + " issue(type=\"JmesPathResult\", value=JmesPath(c1.value, c2.value)); };");
    assertEquals(
        List.of(new Claim("JmesPathResult", ClaimValue.of("2"), Claim.ATTESTATION_POLICY)),
        p.evaluate(claims).issued());
  }

  @Test
  void evaluate_claimExplosion_isBoundedAndSkipped() {
    StringBuilder sb = new StringBuilder("version=1.2; authorizationrules { => permit(); }; issuancerules {\n");
    sb.append("=> add(type=\"a\", value=JsonToClaimValue(\"[")
        .append("1,".repeat(999))
        .append("1]\"));\n");
    // each rule doubles the set of "a" claims (1000 -> 2000 -> ...), hitting the claim limit
    for (int i = 0; i < 20; i++) {
      sb.append("c:[type==\"a\"] => add(claim=c);\n");
    }
    sb.append("=> issue(type=\"done\", value=true);\n};");
    Evaluation e = policy(sb.toString()).evaluate(List.of());
    assertTrue(e.permitted());
    assertTrue(e.incomingAfter().size() <= Evaluator.MAX_CLAIMS);
    assertEquals(List.of(new Claim("done", ClaimValue.of(true), Claim.ATTESTATION_POLICY)), e.issued());
  }

  @Test
  void evaluate_nullIncoming_throwsNullPointer() {
    Policy p = policy("version=1.0; authorizationrules { => permit(); };");
    assertThrows(NullPointerException.class, () -> p.evaluate(null));
  }

  @Test
  void evaluate_resultLists_areUnmodifiable() {
    Evaluation e = eval("version=1.0; authorizationrules { => permit(); }; issuancerules { => issue(type=\"a\", value=1); };");
    assertThrows(UnsupportedOperationException.class, () -> e.issued().clear());
    assertThrows(UnsupportedOperationException.class, () -> e.incomingAfter().clear());
  }

  @Test
  void evaluate_quadraticJoin_stopsAtWorkBudgetAndDenies() {
    StringBuilder arr = new StringBuilder("[0");
    for (int i = 1; i < 5000; i++) {
      arr.append(',').append(i);
    }
    arr.append(']');
    String text =
        "version=1.2; authorizationrules {\n"
            + "=> add(type=\"a\", value=JsonToClaimValue(\""
            + arr
            + "\"));\n"
            + "c:[type==\"a\"] && [type==\"a\", value==c.value, value<0] => permit();\n};";
    Evaluation e = policy(text).evaluate(List.of());
    assertFalse(e.permitted());
    assertEquals(
        "denied: authorizationrules rule 2 (line 3) could not be evaluated:"
            + " evaluation exceeded its work budget of 5000000",
        e.decisionDetail());
  }
}
