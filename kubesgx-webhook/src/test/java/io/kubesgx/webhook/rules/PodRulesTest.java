package io.kubesgx.webhook.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.flipkart.zjsonpatch.JsonPatch;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubesgx.common.sgx.EpcResource;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Table-driven test over pod specs written from Intel's and Azure's documented samples (index:
 * {@code PodRulesTest/cases.json}). For each: the decision, the resulting pod (golden file), the
 * patch applied by an independent JSON Patch implementation, strict fabric8 deserialisation, the
 * validating pass on the result, and idempotence (a second mutation changes nothing).
 *
 * <p>Regenerate the golden files with {@code -Dkubesgx.regenerate=true} and review the diff.
 */
class PodRulesTest {
  private static final String DIR = "/io/kubesgx/webhook/rules/PodRulesTest/";
  private static final long LARGEST_NODE = 512L << 30;

  record Case(String name, String variant, String source, EpcResource canonical, String expect,
      String reason) {
    @Override
    public String toString() {
      return name + (variant.isEmpty() ? "" : "." + variant);
    }

    String expectedFile() {
      return name + (variant.isEmpty() ? "" : "." + variant) + ".expected.json";
    }
  }

  static Stream<Case> cases() {
    List<Case> out = new ArrayList<>();
    for (JsonNode c : Fixtures.tree(Fixtures.resource(DIR + "cases.json"))) {
      out.add(new Case(c.get("name").stringValue(),
          c.has("variant") ? c.get("variant").stringValue() : "",
          c.get("source").stringValue(), EpcResource.parse(c.get("canonical").stringValue()),
          c.get("expect").stringValue(),
          c.has("reason") ? c.get("reason").stringValue() : ""));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mutate_documentedSamplePod_matchesExpectedDecisionAndPod(Case c) throws Exception {
    PodRules rules = new PodRules(new RulesConfig(c.canonical(),
        NodeEpcCapacity.fixed(LARGEST_NODE)));
    JsonNode pod = Fixtures.tree(Fixtures.resource(DIR + c.name() + ".json"));
    AdmissionDecision d = rules.mutate(Fixtures.request(pod));
    switch (c.expect()) {
      case "allow" -> assertEquals(new AdmissionDecision.Allow(List.of()), d, c.source());
      case "deny" -> {
        AdmissionDecision.Deny deny = assertInstanceOf(AdmissionDecision.Deny.class, d, c.source());
        assertEquals(DenyReason.valueOf(c.reason()), deny.reason(), deny.message());
      }
      default -> {
        AdmissionDecision.Patch patch = assertInstanceOf(AdmissionDecision.Patch.class, d,
            c.source() + " -> " + d);
        String patched = applyIndependently(pod, patch.ops());
        checkGolden(c, patched);
        assertStrictPod(patched);
        JsonNode result = Fixtures.tree(patched);
        AdmissionDecision again = rules.mutate(Fixtures.request(result));
        assertEquals(new AdmissionDecision.Allow(List.of()), again, "mutation is idempotent");
        assertEquals(new AdmissionDecision.Allow(List.of()),
            rules.validate(Fixtures.request(result)), "the mutated pod passes validation");
      }
    }
  }

  /** Applies our operations with zjsonpatch (Jackson 2), independent of our PatchBuilder. */
  static String applyIndependently(JsonNode pod, List<JsonPatchOp> ops) throws Exception {
    ArrayNode doc = tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    for (JsonPatchOp op : ops) {
      ObjectNode o = doc.addObject();
      o.put("op", op.op());
      o.put("path", op.path());
      if (op.value() != null) {
        o.set("value", op.value());
      }
    }
    ObjectMapper j2 = new ObjectMapper();
    com.fasterxml.jackson.databind.JsonNode result =
        JsonPatch.apply(j2.readTree(doc.toString()), j2.readTree(pod.toString()));
    return j2.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n";
  }

  private static void checkGolden(Case c, String patched) throws Exception {
    Path src = Path.of("src/test/resources" + DIR + c.expectedFile());
    if (Boolean.getBoolean("kubesgx.regenerate")) {
      Files.writeString(src, patched, StandardCharsets.UTF_8);
    }
    JsonNode expected = Fixtures.tree(Fixtures.resource(DIR + c.expectedFile()));
    assertEquals(expected, Fixtures.tree(patched), c.source());
  }

  /** Deserialises with fabric8's models and fails on any field the models do not know. */
  static void assertStrictPod(String json) throws Exception {
    Pod pod = new KubernetesSerialization().unmarshal(json, Pod.class);
    List<String> unknown = new ArrayList<>();
    walk(pod, "pod", unknown, new IdentityHashMap<>());
    assertTrue(unknown.isEmpty(), "fields unknown to the Kubernetes model: " + unknown);
    assertEquals(Fixtures.tree(json),
        Fixtures.tree(new KubernetesSerialization().asJson(pod)), "round trip through fabric8");
  }

  private static void walk(Object o, String path, List<String> unknown,
      IdentityHashMap<Object, Boolean> seen) throws Exception {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> coll) {
      int i = 0;
      for (Object x : coll) {
        walk(x, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object v = m.invoke(o);
      if (m.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ":" + extra.keySet());
        }
        continue;
      }
      walk(v, path + "." + m.getName().substring(3), unknown, seen);
    }
  }

  @org.junit.jupiter.api.Test
  void mutate_podWithoutSgx_returnsAllowWithoutPatch() {
    PodRules rules = new PodRules(new RulesConfig(EpcResource.INTEL,
        NodeEpcCapacity.fixed(LARGEST_NODE)));
    JsonNode pod = Fixtures.tree(Fixtures.resource(DIR + "plain-nginx.json"));
    AdmissionDecision d = rules.mutate(Fixtures.request(pod));
    assertInstanceOf(AdmissionDecision.Allow.class, d);
    assertFalse(d instanceof AdmissionDecision.Patch);
  }
}
