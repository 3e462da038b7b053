package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the Microsoft-published sample policies listed in {@code MicrosoftSamplesTest/index.json}. */
class MicrosoftSamplesTest {
  private static final String DIR = "MicrosoftSamplesTest/";

  static String resource(String name) {
    try (InputStream in = MicrosoftSamplesTest.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + DIR + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<JsonObject> samples() throws Exception {
    JsonObject index = Json.parseObject(resource("index.json"));
    List<JsonObject> out = new ArrayList<>();
    for (JsonValue v : index.array("samples")) {
      out.add((JsonObject) v);
    }
    return out.stream();
  }

  static List<Claim> claims(String set) throws Exception {
    String mrsigner = "a".repeat(64);
    String mrenclave = "b".repeat(64);
    switch (set) {
      case "sgx", "sgx-debug" -> {
        boolean debug = set.equals("sgx-debug");
        return List.of(
            Claim.of("x-ms-attestation-type", ClaimValue.of("sgx")),
            Claim.of("x-ms-sgx-is-debuggable", ClaimValue.of(debug)),
            Claim.of("x-ms-sgx-product-id", ClaimValue.of(7)),
            Claim.of("x-ms-sgx-svn", ClaimValue.of(3)),
            Claim.of("x-ms-sgx-mrsigner", ClaimValue.of(mrsigner)),
            Claim.of("x-ms-sgx-mrenclave", ClaimValue.of(mrenclave)),
            Claim.of("$is-debuggable", ClaimValue.of(debug)),
            Claim.of("$sgx-mrsigner", ClaimValue.of(mrsigner)),
            Claim.of("$sgx-mrenclave", ClaimValue.of(mrenclave)),
            Claim.of("$product-id", ClaimValue.of(7)),
            Claim.of("$svn", ClaimValue.of(3)),
            Claim.of("$tee", ClaimValue.of("sgx")));
      }
      case "tpm" -> {
        JsonObject evidence = Json.parseObject(resource("tpm-evidence.json"));
        return List.of(
            Claim.of("aikValidated", ClaimValue.of(true)),
            Claim.of("secureBootEnabled", ClaimValue.of(true)),
            Claim.of("bootDebuggingDisabled", ClaimValue.of(true)),
            Claim.of("notSafeMode", ClaimValue.of(true)),
            Claim.of("events", ClaimValue.json(evidence.object("events"))),
            Claim.of("pcrs", ClaimValue.json(evidence.object("pcrs"))));
      }
      default -> throw new IllegalArgumentException(set);
    }
  }

  static List<Claim> expectedClaims(JsonObject o, String key) throws Exception {
    List<Claim> out = new ArrayList<>();
    if (!o.has(key)) {
      return null;
    }
    for (JsonValue v : o.array(key)) {
      JsonObject c = (JsonObject) v;
      JsonValue value = c.require("value");
      ClaimValue cv =
          value instanceof JsonValue.JsonString s
              ? ClaimValue.of(s.value())
              : value instanceof JsonValue.JsonBool b
                  ? ClaimValue.of(b.value())
                  : ClaimValue.of(c.integer("value"));
      out.add(new Claim(c.string("type"), cv, Claim.ATTESTATION_POLICY));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void parse_microsoftSample_matchesIndex(JsonObject sample) throws Exception {
    String text = resource(sample.string("file"));
    if (sample.has("error")) {
      JsonObject err = sample.object("error");
      PolicyParseException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              PolicyParseException.class, () -> Policy.parse(text));
      assertEquals(err.integer("line"), e.line(), e.getMessage());
      assertEquals(err.integer("column"), e.column(), e.getMessage());
      assertTrue(e.getMessage().contains(err.string("message")), e.getMessage());
      return;
    }
    Policy p = Policy.parse(text);
    assertEquals(sample.string("version"), p.version().toString());
    assertEquals(text, p.text());
    List<JsonValue> rules = sample.array("rules");
    int[] counts = p.ruleCounts();
    for (int i = 0; i < 3; i++) {
      assertEquals(JsonValue.asLong(rules.get(i), "rules"), counts[i], "section " + i);
    }
    if (!sample.has("evaluate")) {
      return;
    }
    for (JsonValue ev : sample.array("evaluate")) {
      JsonObject x = (JsonObject) ev;
      String set = x.string("claims");
      ConfigurationResult cfg = p.configure(claims(set));
      Evaluation e = p.evaluate(cfg.incomingAfter());
      assertEquals(x.require("permitted"), new JsonValue.JsonBool(e.permitted()), set + ": " + e);
      if (x.has("detail")) {
        assertEquals(x.string("detail"), e.decisionDetail());
      }
      assertEquals(expectedClaims(x, "issued"), e.issued(), set);
      List<Claim> props = expectedClaims(x, "properties");
      assertEquals(props == null ? List.of() : props, cfg.properties(), set);
    }
  }

  @Test
  void index_listsEveryPolicyFile() throws Exception {
    long listed = samples().count();
    assertEquals(20, listed);
  }
}
