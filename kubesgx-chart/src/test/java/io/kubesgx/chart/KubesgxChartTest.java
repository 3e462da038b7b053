package io.kubesgx.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.kubesgx.webhook.certs.WebhookConfigurations;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 14 item 1/4: the chart lints strictly, renders with the defaults and with every
 * {@code ci/*-values.yaml}, every rendered object deserialises strictly into fabric8's models, and
 * rules hold over every rendering. Each values file is rendered once (helm-java, embedded Helm).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubesgxChartTest {
  /** Components of the chart (the images' names and the app.kubernetes.io/component label). */
  static final Set<String> COMPONENTS = Set.of("node-agent", "quote-helper", "webhook",
      "attestation", "key-broker");
  /**
   * Containers that run as root on the node, each documented in docs/install.md ("Privileges"):
   * the node agent creates sockets in the kubelet's root-owned device-plugin directory and writes
   * misc.max in the host cgroup tree; the quote helper creates aesm.socket in the host's
   * /var/run/aesmd; Intel's aesmd (relay) is not our image.
   */
  static final Set<String> ROOT_CONTAINERS = Set.of("node-agent", "quote-helper", "aesmd");
  /**
   * Containers without HTTP probes: the quote-helper-label sidecar serves no endpoint (its node
   * label is the readiness signal, written only after a real GetQuoteSizeEx).
   */
  static final Set<String> NO_PROBE_CONTAINERS = Set.of("quote-helper-label");

  private final Map<String, RenderedChart> renders = new HashMap<>();

  @BeforeAll
  void renderAll() throws Exception {
    for (String f : RenderedChart.valuesNames()) {
      renders.put(f, RenderedChart.render(f));
    }
  }

  Stream<String> valuesFiles() throws Exception {
    return RenderedChart.valuesNames().stream();
  }

  private static String version() {
    return Objects.requireNonNull(System.getProperty("kubesgx.version"), "kubesgx.version");
  }

  private static List<PodTemplateSpec> podTemplates(RenderedChart r) {
    List<PodTemplateSpec> t = new ArrayList<>();
    r.all(DaemonSet.class).forEach(d -> t.add(d.getSpec().getTemplate()));
    r.all(Deployment.class).forEach(d -> t.add(d.getSpec().getTemplate()));
    return t;
  }

  private static List<Container> containers(PodSpec spec) {
    List<Container> c = new ArrayList<>(spec.getContainers());
    if (spec.getInitContainers() != null) {
      c.addAll(spec.getInitContainers());
    }
    return c;
  }

  @Test
  void ciValues_requiredPresetsExist() throws Exception {
    assertTrue(RenderedChart.valuesNames().containsAll(List.of("default-values.yaml",
        "aks-values.yaml", "ha-postgres-values.yaml", "cert-manager-values.yaml",
        "node-only-values.yaml")), RenderedChart.valuesNames().toString());
  }

  @Test
  void chartYaml_versions_matchProjectVersion() throws Exception {
    String chart = Files.readString(RenderedChart.chartDir().resolve("Chart.yaml"));
    assertTrue(chart.contains("\nappVersion: \"" + version() + "\"\n"), chart);
    assertTrue(chart.contains("\nversion: " + version().replace("-SNAPSHOT", "") + "\n"), chart);
    assertTrue(chart.startsWith("apiVersion: v2\n"), chart);
  }

  @Test
  void lint_defaultValues_passesStrict() {
    LintResult r = new Helm(RenderedChart.chartDir()).lint().strict().call();
    assertFalse(r.isFailed(), String.join("\n", r.getMessages()));
    assertTrue(r.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
        String.join("\n", r.getMessages()));
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_everyObjectDeserialisesStrictly(String file) {
    RenderedChart r = renders.get(file);
    assertFalse(r.objects().isEmpty(), file);
    assertEquals(List.of(), r.strictnessProblems(), file);
    for (HasMetadata o : r.objects()) {
      assertTrue(o.getMetadata().getName().startsWith("kubesgx"), file + ": " + o.getMetadata().getName());
      assertNotNull(o.getMetadata().getLabels(), file + ": labels of " + o.getMetadata().getName());
      assertEquals("kubesgx", o.getMetadata().getLabels().get("app.kubernetes.io/name"));
    }
  }

  @Test
  void strictnessProblems_misspeltFieldDeepInAPod_reported() {
    RenderedChart r = RenderedChart.parse("fixture", """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: x}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  resources: {limits: {cpu: 1}}
                  livenesProbe: {httpGet: {path: /healthz, port: 1}}
        """);
    List<String> p = r.strictnessProblems();
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).contains("containers[0]: unknown fields [livenesProbe]"), p.get(0));
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_noWildcardRbac(String file) {
    RenderedChart r = renders.get(file);
    List<PolicyRule> rules = new ArrayList<>();
    r.all(ClusterRole.class).forEach(c -> rules.addAll(c.getRules()));
    r.all(Role.class).forEach(c -> rules.addAll(c.getRules()));
    assertFalse(rules.isEmpty(), file);
    for (PolicyRule rule : rules) {
      for (List<String> l : List.of(rule.getVerbs(), rule.getResources(), rule.getApiGroups())) {
        assertFalse(l.contains("*"), file + ": wildcard in " + rule);
      }
      assertTrue(Set.of("get", "list", "patch", "update", "create").containsAll(rule.getVerbs()),
          file + ": unexpected verb in " + rule);
      assertFalse(rule.getResources().contains("secrets") && rule.getVerbs().contains("list"),
          file + ": listing Secrets " + rule);
    }
    // Services that never call the API server get no token.
    for (String c : List.of("attestation", "key-broker")) {
      r.find(ServiceAccount.class, "kubesgx-" + c).ifPresent(sa ->
          assertEquals(Boolean.FALSE, sa.getAutomountServiceAccountToken(), file + ": " + c));
    }
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_probesAndResourcesOnEveryContainer(String file) {
    RenderedChart r = renders.get(file);
    for (PodTemplateSpec t : podTemplates(r)) {
      for (Container c : containers(t.getSpec())) {
        String id = file + ": container " + c.getName();
        var res = c.getResources();
        assertNotNull(res, id);
        for (String k : List.of("cpu", "memory")) {
          assertNotNull(res.getRequests().get(k), id + " requests." + k);
          assertNotNull(res.getLimits().get(k), id + " limits." + k);
        }
        // Extended resources cannot be overcommitted: limits == requests for sgx resources.
        res.getLimits().forEach((k, v) -> {
          if (k.startsWith("sgx.intel.com/") || k.startsWith("kubernetes.azure.com/")) {
            assertEquals(v, res.getRequests().get(k), id + " " + k);
          }
        });
        if (NO_PROBE_CONTAINERS.contains(c.getName())) {
          continue;
        }
        assertNotNull(c.getLivenessProbe(), id + " liveness");
        assertNotNull(c.getReadinessProbe(), id + " readiness");
        if (c.getLivenessProbe().getHttpGet() != null) {
          assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath(), id);
          assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath(), id);
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_runAsNonRootExceptDocumentedNodeContainers(String file) {
    RenderedChart r = renders.get(file);
    for (PodTemplateSpec t : podTemplates(r)) {
      var pod = t.getSpec().getSecurityContext();
      assertNotNull(pod, file);
      assertEquals("RuntimeDefault", pod.getSeccompProfile().getType(), file);
      assertNotEquals(Boolean.TRUE, t.getSpec().getHostNetwork(), file);
      assertNotEquals(Boolean.TRUE, t.getSpec().getHostPID(), file);
      for (Container c : containers(t.getSpec())) {
        String id = file + ": container " + c.getName();
        var sc = c.getSecurityContext();
        assertNotNull(sc, id);
        if (!"aesmd".equals(c.getName())) { // Intel's image writes its state under /var/opt/aesmd
          assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), id);
        }
        assertNotEquals(Boolean.TRUE, sc.getPrivileged(), id + " (privileged only with nodeAgent.insecurePrivilegedCpuid)");
        assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), id);
        assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), id);
        assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), id);
        if (ROOT_CONTAINERS.contains(c.getName())) {
          continue;
        }
        boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot())
            || (sc.getRunAsNonRoot() == null && Boolean.TRUE.equals(pod.getRunAsNonRoot()));
        assertTrue(nonRoot, id + " must run as non-root");
        Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : pod.getRunAsUser();
        assertEquals(65532L, uid, id);
      }
      boolean nodeLevel = containers(t.getSpec()).stream().anyMatch(c -> ROOT_CONTAINERS.contains(c.getName()));
      for (Volume v : t.getSpec().getVolumes()) {
        if (v.getHostPath() != null) {
          assertTrue(nodeLevel, file + ": hostPath " + v.getHostPath().getPath() + " outside the node-level pods");
        }
      }
    }
  }

  private static void assertNotEquals(Object unexpected, Object actual, String message) {
    org.junit.jupiter.api.Assertions.assertNotEquals(unexpected, actual, message);
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_ourImagesAreTheProjectVersion(String file) {
    RenderedChart r = renders.get(file);
    int ours = 0;
    for (PodTemplateSpec t : podTemplates(r)) {
      for (Container c : containers(t.getSpec())) {
        if ("aesmd".equals(c.getName())) {
          continue; // Intel's aesm_service, an image the user chooses
        }
        String image = c.getImage();
        String component = image.substring("ghcr.io/kubesgx/".length(), image.lastIndexOf(':'));
        assertTrue(image.startsWith("ghcr.io/kubesgx/"), file + ": " + image);
        assertTrue(COMPONENTS.contains(component), file + ": " + image);
        assertEquals("ghcr.io/kubesgx/" + component + ":" + version(), image, file);
        assertFalse(c.getArgs().isEmpty(), file + ": the sub-command is passed as args");
        ours++;
      }
    }
    assertTrue(ours > 0, file);
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_webhookOnlySgxPodsFailClosed(String file) {
    RenderedChart r = renders.get(file);
    var mutating = r.all(MutatingWebhookConfiguration.class);
    var validating = r.all(ValidatingWebhookConfiguration.class);
    if (r.find(Deployment.class, "kubesgx-webhook").isEmpty()) {
      assertTrue(mutating.isEmpty() && validating.isEmpty(), file);
      return;
    }
    assertEquals(1, mutating.size(), file);
    assertEquals(1, validating.size(), file);
    // The same registration the webhook module builds (WebhookConfigurations), caBundle aside.
    WebhookConfigurations expected = new WebhookConfigurations("kubesgx-webhook",
        RenderedChart.NAMESPACE, "kubesgx-webhook", 443);
    MutatingWebhook m = mutating.get(0).getWebhooks().get(0);
    MutatingWebhook em = expected.mutating(null).getWebhooks().get(0);
    assertEquals(em, m, file);
    ValidatingWebhook v = validating.get(0).getWebhooks().get(0);
    assertEquals(expected.validating(null).getWebhooks().get(0), v, file);
    assertEquals(WebhookConfigurations.SGX_POD_CEL, m.getMatchConditions().get(0).getExpression());
    assertEquals("Fail", m.getFailurePolicy());
    Deployment d = r.find(Deployment.class, "kubesgx-webhook").orElseThrow();
    assertTrue(d.getSpec().getReplicas() >= 2, file);
    PodDisruptionBudget pdb = r.find(PodDisruptionBudget.class, "kubesgx-webhook").orElseThrow();
    assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal(), file);
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void template_valuesFile_daemonSetsSelectTheRightNodes(String file) {
    RenderedChart r = renders.get(file);
    DaemonSet agent = r.find(DaemonSet.class, "kubesgx-node-agent").orElseThrow();
    PodSpec a = agent.getSpec().getTemplate().getSpec();
    // The agent reaches a node before anything labels it SGX: Linux nodes, never kubesgx.io/sgx.
    assertEquals("linux", a.getNodeSelector().get("kubernetes.io/os"), file);
    assertFalse(a.getNodeSelector().containsKey("kubesgx.io/sgx"), file);
    assertTrue(a.getTolerations().stream().anyMatch(t ->
        "ignore-taint.cluster-autoscaler.kubernetes.io/kubesgx-epc-not-ready".equals(t.getKey())),
        file + ": the agent must tolerate the startup taint it removes");
    Container ac = a.getContainers().get(0);
    assertEquals("node-agent", ac.getArgs().get(0), file);
    assertEquals(Set.of("/var/lib/kubelet/device-plugins", "/dev", "/proc/cpuinfo",
        "/sys/devices/system", "/sys/fs/cgroup"),
        Set.copyOf(a.getVolumes().stream().filter(v -> v.getHostPath() != null)
            .map(v -> v.getHostPath().getPath()).toList()), file);
    ac.getVolumeMounts().stream().filter(m -> m.getMountPath().startsWith("/host/")
        && !m.getMountPath().equals("/host/sys/fs/cgroup"))
        .forEach(m -> assertEquals(Boolean.TRUE, m.getReadOnly(), file + ": " + m.getMountPath()));
    var helper = r.find(DaemonSet.class, "kubesgx-quote-helper");
    if (helper.isPresent()) {
      PodSpec q = helper.get().getSpec().getTemplate().getSpec();
      assertEquals(Map.of("kubesgx.io/sgx", "true"), q.getNodeSelector(), file);
      Container qc = q.getContainers().get(0);
      Quantity epc = qc.getResources().getLimits().get("sgx.intel.com/epc");
      assertEquals(new Quantity("1Mi"), epc, file + ": the helper's own EPC request");
      assertTrue(q.getVolumes().stream().anyMatch(v -> v.getHostPath() != null
          && "/var/run/aesmd".equals(v.getHostPath().getPath())), file);
      assertTrue(q.getContainers().stream().anyMatch(c -> c.getArgs().get(0).equals("quote-helper-label")),
          file + ": the readiness label sidecar");
    }
  }

  @Test
  void template_defaultValues_attestationSqliteSingleReplicaWithPvcAndNoHpa() {
    RenderedChart r = renders.get("default-values.yaml");
    Deployment d = r.find(Deployment.class, "kubesgx-attestation").orElseThrow();
    assertEquals(1, d.getSpec().getReplicas());
    assertEquals("Recreate", d.getSpec().getStrategy().getType());
    assertTrue(r.find(PersistentVolumeClaim.class, "kubesgx-attestation").isPresent());
    assertTrue(r.all(HorizontalPodAutoscaler.class).isEmpty());
    assertTrue(r.find(PodDisruptionBudget.class, "kubesgx-attestation").isEmpty(),
        "a PDB over one replica would block every node drain");
    assertTrue(r.find(Deployment.class, "kubesgx-key-broker").isEmpty(), "the key broker is opt-in");
  }

  @Test
  void template_haPostgres_hpaFromTwoPdbAndSecretsOnly() {
    RenderedChart r = renders.get("ha-postgres-values.yaml");
    for (String c : List.of("kubesgx-attestation", "kubesgx-key-broker")) {
      HorizontalPodAutoscaler h = r.find(HorizontalPodAutoscaler.class, c).orElseThrow();
      assertEquals(2, h.getSpec().getMinReplicas(), c);
      assertEquals("cpu", h.getSpec().getMetrics().get(0).getResource().getName(), c);
      assertTrue(r.find(PodDisruptionBudget.class, c).isPresent(), c);
      assertTrue(r.find(PersistentVolumeClaim.class, c).isEmpty(), c);
      Deployment d = r.find(Deployment.class, c).orElseThrow();
      assertNull(d.getSpec().getReplicas(), c + ": the HPA owns replicas");
      Container ctr = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      int db = ctr.getArgs().indexOf("--db");
      assertEquals("$(KUBESGX_DB_URL)", ctr.getArgs().get(db + 1), c);
      assertNotNull(ctr.getEnv().stream().filter(e -> e.getName().equals("KUBESGX_DB_URL"))
          .findFirst().orElseThrow().getValueFrom().getSecretKeyRef(), c);
      assertFalse(r.yaml().contains("jdbc:postgresql"), "no database URL in the manifests");
    }
    Container kb = r.find(Deployment.class, "kubesgx-key-broker").orElseThrow().getSpec()
        .getTemplate().getSpec().getContainers().get(0);
    int issuer = kb.getArgs().indexOf("--trust-issuer");
    // Tokens carry iss = the attestation service's public URL; that is the issuer to trust.
    assertEquals("https://attest.example.com", kb.getArgs().get(issuer + 1));
    Container cm = renders.get("cert-manager-values.yaml").find(Deployment.class, "kubesgx-key-broker")
        .orElseThrow().getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("https://kubesgx-attestation.kubesgx-system.svc:8080",
        cm.getArgs().get(cm.getArgs().indexOf("--trust-issuer") + 1));
    Container at = r.find(Deployment.class, "kubesgx-attestation").orElseThrow().getSpec()
        .getTemplate().getSpec().getContainers().get(0);
    assertTrue(at.getArgs().contains("--keys-read-only"), at.getArgs().toString());
  }

  @Test
  void template_certManager_webhookServesMountedCertificateWithoutSecretOrCaBundleRights() {
    RenderedChart r = renders.get("cert-manager-values.yaml");
    List<String> args = r.find(Deployment.class, "kubesgx-webhook").orElseThrow().getSpec()
        .getTemplate().getSpec().getContainers().get(0).getArgs();
    assertEquals("/etc/kubesgx/tls/tls.crt", args.get(args.indexOf("--tls-cert") + 1));
    assertFalse(args.contains("--secret"), args.toString());
    assertTrue(r.all(Role.class).isEmpty(), "no Secret rights without the self-managed CA");
    assertEquals(List.of(List.of("nodes")), r.find(ClusterRole.class, "kubesgx-webhook").orElseThrow()
        .getRules().stream().map(PolicyRule::getResources).toList());
    assertEquals("kubesgx-system/kubesgx-webhook", r.find(MutatingWebhookConfiguration.class,
        "kubesgx-webhook").orElseThrow().getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));
    // The self-managed default: the webhook may touch exactly its Secret and its two configurations.
    RenderedChart d = renders.get("default-values.yaml");
    Role role = d.find(Role.class, "kubesgx-webhook").orElseThrow();
    assertEquals(List.of("kubesgx-webhook-tls"), role.getRules().get(0).getResourceNames());
    assertEquals(List.of("kubesgx-webhook"), d.find(ClusterRole.class, "kubesgx-webhook").orElseThrow()
        .getRules().get(1).getResourceNames());
  }

  @Test
  void template_misspeltValue_rejectedBySchema() {
    for (String[] kv : List.of(new String[] {"nodeAgent.enclaveSlot", "3"},
        new String[] {"webhook.replica", "3"}, new String[] {"quoteHelpers.enabled", "false"},
        new String[] {"attestation.database.type", "mysql"}, new String[] {"epcResource", "bytes"},
        new String[] {"webhook.replicas", "1"})) {
      Exception e = assertThrows(Exception.class, () -> RenderedChart.template()
          .set(kv[0], kv[1]).call(), kv[0]);
      assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"),
          kv[0] + ": " + e.getMessage());
    }
  }

  @Test
  void template_keyBrokerWithoutTls_failsWithOneLineSayingWhatToSet() {
    Exception e = assertThrows(Exception.class, () -> RenderedChart.template()
        .set("keyBroker.enabled", "true").call());
    assertTrue(e.getMessage().contains("keyBroker.enabled needs HTTPS: set keyBroker.tls.existingSecret"),
        e.getMessage());
  }

  private static Container keyBroker(RenderedChart r) {
    return r.find(Deployment.class, "kubesgx-key-broker").orElseThrow().getSpec().getTemplate().getSpec()
        .getContainers().get(0);
  }

  private static String arg(List<String> args, String option) {
    int i = args.indexOf(option);
    assertTrue(i >= 0 && i + 1 < args.size(), () -> option + " missing from " + args);
    return args.get(i + 1);
  }

  @Test
  void template_keyBrokerOptions_renderedArgsParseWithTheBrokersOwnCommandLine() {
    RenderedChart r = RenderedChart.render("cert-manager-values.yaml",
        "keyBroker.kek.key", "kek-2",
        "keyBroker.kek.previousKeys[0]", "kek-1",
        "keyBroker.tenants.existingConfigMap", "kubesgx-tenants",
        "keyBroker.tenants.tokensSecret", "kubesgx-tenant-tokens",
        "keyBroker.kubernetesAuth.issuer", "https://kubernetes.default.svc.cluster.local",
        "keyBroker.kubernetesAuth.audience", "vault",
        "keyBroker.kbs.pcsUrl", "https://pccs.example:8081/sgx/certification/v4",
        "keyBroker.rateLimits.callerReleasesPerSecond", "2000",
        "keyBroker.signing.existingSecret", "kubesgx-release-signing");
    Container c = keyBroker(r);
    List<String> args = c.getArgs();
    assertEquals("key-broker", args.get(0), "the image's CLI sub-command");
    // Every option the chart passes exists and its value parses (a renamed flag fails here).
    new picocli.CommandLine(new io.kubesgx.keybroker.cli.KeyBrokerCommand())
        .parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    assertEquals("/etc/kubesgx/kek/kek", arg(args, "--kek-file"));
    assertEquals("/etc/kubesgx/kek/previous-kek-1", arg(args, "--previous-kek-file"));
    assertEquals("/etc/kubesgx/tenants/tenants.json", arg(args, "--tenants-file"));
    assertEquals("https://kubernetes.default.svc.cluster.local", arg(args, "--k8s-issuer"));
    assertEquals("vault", arg(args, "--k8s-audience"));
    assertEquals("https://pccs.example:8081/sgx/certification/v4", arg(args, "--pcs-url"));
    assertEquals("2000", arg(args, "--caller-releases-per-second"));
    assertEquals("/etc/kubesgx/signing/tls.key", arg(args, "--signing-key"));
    assertEquals("/etc/kubesgx/signing/tls.crt", arg(args, "--signing-cert"));
    assertFalse(args.contains("--kbs-authority"), "empty authority = the broker's default");
    // The KEK Secret gives both files; the tenants file and the token files are mounted read-only.
    PodSpec pod = r.find(Deployment.class, "kubesgx-key-broker").orElseThrow().getSpec().getTemplate().getSpec();
    Volume kek = pod.getVolumes().stream().filter(v -> v.getName().equals("kek")).findFirst().orElseThrow();
    assertEquals(List.of("kek-2:kek", "kek-1:previous-kek-1"), kek.getSecret().getItems().stream()
        .map(i -> i.getKey() + ":" + i.getPath()).toList());
    Volume tenants = pod.getVolumes().stream().filter(v -> v.getName().equals("tenants")).findFirst().orElseThrow();
    assertEquals("kubesgx-tenants", tenants.getConfigMap().getName());
    Volume tokens = pod.getVolumes().stream().filter(v -> v.getName().equals("tenant-tokens")).findFirst().orElseThrow();
    assertEquals("kubesgx-tenant-tokens", tokens.getSecret().getSecretName());
    // The network policy lets it reach the PCCS's explicit port (and HTTPS).
    List<Integer> egress = r.find(NetworkPolicy.class, "kubesgx-key-broker").orElseThrow().getSpec().getEgress().stream()
        .filter(e -> e.getTo() == null || e.getTo().isEmpty())
        .flatMap(e -> e.getPorts().stream()).filter(p -> "TCP".equals(p.getProtocol()) && p.getPort().getIntVal() != 53)
        .map(p -> p.getPort().getIntVal()).toList();
    assertTrue(egress.containsAll(List.of(443, 8081, 6443)), "HTTPS, the PCCS's port, the API server's: " + egress);
    assertEquals(egress.size(), new java.util.HashSet<>(egress).size(), "each port once: " + egress);
    Volume signing = pod.getVolumes().stream().filter(v -> v.getName().equals("signing")).findFirst().orElseThrow();
    assertEquals("kubesgx-release-signing", signing.getSecret().getSecretName());
    assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("tenants")
        && m.getMountPath().equals("/etc/kubesgx/tenants") && Boolean.TRUE.equals(m.getReadOnly())));
    assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("tenant-tokens")
        && m.getMountPath().equals("/etc/kubesgx/tenant-tokens") && Boolean.TRUE.equals(m.getReadOnly())));
  }

  @Test
  void template_keyBrokerDefaults_noOptionalFlagsAndDefaultRateLimits() {
    List<String> args = keyBroker(renders.get("cert-manager-values.yaml")).getArgs();
    for (String absent : List.of("--tenants-file", "--k8s-issuer", "--k8s-audience", "--previous-kek-file",
        "--pcs-url", "--kbs-authority", "--sim", "--signing-key", "--signing-cert")) {
      assertFalse(args.contains(absent), absent + " in " + args);
    }
    assertEquals("1000", arg(args, "--caller-requests-per-second"));
    assertEquals("500", arg(args, "--caller-releases-per-second"));
    assertEquals("50", arg(args, "--anonymous-requests-per-second"));
  }

  @Test
  void template_keyBrokerContradictoryOptions_failWithOneLineSayingWhatToChange() {
    Exception both = assertThrows(Exception.class, () -> RenderedChart.template()
        .withValuesFile(RenderedChart.chartDir().resolve("ci").resolve("cert-manager-values.yaml"))
        .set("keyBroker.tenants.existingConfigMap", "a").set("keyBroker.tenants.existingSecret", "b").call());
    assertTrue(both.getMessage().contains("keyBroker.tenants: set existingSecret or existingConfigMap, not both"),
        both.getMessage());
    Exception current = assertThrows(Exception.class, () -> RenderedChart.template()
        .withValuesFile(RenderedChart.chartDir().resolve("ci").resolve("cert-manager-values.yaml"))
        .set("keyBroker.kek.previousKeys[0]", "kek").call());
    assertTrue(current.getMessage().contains("keyBroker.kek.previousKeys lists kek, the current KEK"), current.getMessage());
    Exception tokensOnly = assertThrows(Exception.class, () -> RenderedChart.template()
        .withValuesFile(RenderedChart.chartDir().resolve("ci").resolve("cert-manager-values.yaml"))
        .set("keyBroker.tenants.tokensSecret", "t").call());
    assertTrue(tokensOnly.getMessage().contains("keyBroker.tenants.tokensSecret needs the tenants file"),
        tokensOnly.getMessage());
    for (String[] kv : List.of(new String[] {"keyBroker.kubernetesAuth.issuer", "http://kubernetes.default.svc"},
        new String[] {"keyBroker.kbs.pcsUrl", "http://pccs.local"},
        new String[] {"keyBroker.rateLimits.callerReleasesPerSecond", "0"})) {
      Exception e = assertThrows(Exception.class, () -> RenderedChart.template()
          .withValuesFile(RenderedChart.chartDir().resolve("ci").resolve("cert-manager-values.yaml"))
          .set(kv[0], kv[1]).call(), kv[0]);
      assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), kv[0] + ": " + e.getMessage());
    }
  }

  @Test
  void template_relayWithoutAesmdImage_failsWithOneLine() {
    Exception e = assertThrows(Exception.class, () -> RenderedChart.template()
        .set("quoteHelper.backend", "relay").call());
    assertTrue(e.getMessage().contains("quoteHelper.relay.aesmd.image.repository"), e.getMessage());
  }

  @Test
  void template_azureAccounting_helperRequestsMiBAndAgentAndWebhookAgree() {
    RenderedChart r = RenderedChart.render("default-values.yaml", "epcResource", "azure");
    Container q = r.find(DaemonSet.class, "kubesgx-quote-helper").orElseThrow().getSpec()
        .getTemplate().getSpec().getContainers().get(0);
    assertEquals(new Quantity("1"), q.getResources().getLimits().get("kubernetes.azure.com/sgx_epc_mem_in_MiB"));
    assertNull(q.getResources().getLimits().get("sgx.intel.com/epc"));
    for (String c : List.of("kubesgx-node-agent")) {
      List<String> args = r.find(DaemonSet.class, c).orElseThrow().getSpec().getTemplate()
          .getSpec().getContainers().get(0).getArgs();
      assertEquals("azure", args.get(args.indexOf("--epc-resource") + 1), c);
    }
    List<String> w = r.find(Deployment.class, "kubesgx-webhook").orElseThrow().getSpec()
        .getTemplate().getSpec().getContainers().get(0).getArgs();
    assertEquals("azure", w.get(w.indexOf("--epc-resource") + 1));
  }
}
