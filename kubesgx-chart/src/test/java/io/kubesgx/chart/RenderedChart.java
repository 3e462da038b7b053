package io.kubesgx.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The chart rendered with one values file (or the defaults), every document deserialised into
 * fabric8's typed models; test-only helper.
 *
 * @param name what was rendered (for messages)
 * @param yaml the rendered manifests
 * @param objects the typed objects, in rendering order
 */
record RenderedChart(String name, String yaml, List<HasMetadata> objects) {
  static final String NAMESPACE = "kubesgx-system";
  static final String RELEASE = "kubesgx";
  /** Oldest Kubernetes the chart supports (matchConditions are beta and on from 1.28). */
  static final String KUBE_VERSION = "1.28.0";
  /** API groups of custom resources the chart may render (no fabric8 model exists for them). */
  static final Set<String> CUSTOM_GROUPS = Set.of("cert-manager.io", "monitoring.coreos.com");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  RenderedChart {
    Objects.requireNonNull(name);
    Objects.requireNonNull(yaml);
    objects = List.copyOf(objects);
  }

  /** The chart directory (system property kubesgx.chart, set by the module's surefire config). */
  static Path chartDir() {
    return Path.of(Objects.requireNonNull(System.getProperty("kubesgx.chart"),
        "system property kubesgx.chart")).toAbsolutePath().normalize();
  }

  /** The values files under ci/, plus "default" (no file). */
  static List<String> valuesNames() throws Exception {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(chartDir().resolve("ci"))) {
      files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith("-values.yaml")).sorted()
          .forEach(names::add);
    }
    return names;
  }

  /** A template command for the chart with the release name and namespace the tests use. */
  static TemplateCommand template() {
    return new Helm(chartDir()).template().withName(RELEASE).withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
  }

  /** Renders with ci/{@code valuesFile} and extra {@code --set} pairs (k1, v1, k2, v2...). */
  static RenderedChart render(String valuesFile, String... sets) {
    TemplateCommand t = template().withValuesFile(chartDir().resolve("ci").resolve(valuesFile));
    for (int i = 0; i < sets.length; i += 2) {
      t = t.set(sets[i], sets[i + 1]);
    }
    return parse(valuesFile, t.call());
  }

  /** Splits and deserialises rendered YAML. */
  static RenderedChart parse(String name, String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      KubernetesResource r = SERIALIZATION.unmarshal(doc, KubernetesResource.class);
      if (!(r instanceof HasMetadata h)) {
        throw new AssertionError(name + ": not a Kubernetes object: " + doc);
      }
      out.add(h);
    }
    return new RenderedChart(name, yaml, out);
  }

  /** Objects of one type. */
  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The one object of a type and name. */
  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  /**
   * Strictness: every field of every typed object was known to the model (fabric8 keeps unknown
   * fields in {@code additionalProperties}; a misspelt field lands there). Only the custom
   * resources of {@link #CUSTOM_GROUPS} may be generic. Returns the problems found.
   */
  List<String> strictnessProblems() {
    List<String> problems = new ArrayList<>();
    for (HasMetadata o : objects) {
      String id = o.getKind() + "/" + o.getMetadata().getName();
      if (o instanceof GenericKubernetesResource) {
        String group = o.getApiVersion().contains("/") ? o.getApiVersion().split("/")[0] : "";
        if (!CUSTOM_GROUPS.contains(group)) {
          problems.add(id + ": no typed model for " + o.getApiVersion());
        }
        continue;
      }
      walk(o, id, problems, 0);
    }
    return problems;
  }

  private static void walk(Object o, String path, List<String> problems, int depth) {
    if (o == null || depth > 64) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", problems, depth + 1);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), problems, depth + 1);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      String n = m.getName();
      if (!n.startsWith("get") || n.equals("getClass")) {
        continue;
      }
      Object v;
      try {
        v = m.invoke(o);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(path + "." + n, e);
      }
      if (n.equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown fields " + extra.keySet());
        }
      } else {
        walk(v, path + "." + Character.toLowerCase(n.charAt(3)) + n.substring(4), problems,
            depth + 1);
      }
    }
  }
}
