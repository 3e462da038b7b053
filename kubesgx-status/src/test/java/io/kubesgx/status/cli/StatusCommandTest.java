package io.kubesgx.status.cli;

import static io.kubesgx.status.cli.Fixtures.AZURE;
import static io.kubesgx.status.cli.Fixtures.INTEL;
import static io.kubesgx.status.cli.Fixtures.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.status.kube.KubeClients;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code kubesgx status} against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class StatusCommandTest {
  KubernetesClient client;
  KubernetesMockServer server;

  record Result(int exit, String out, String err) {}

  /** Runs the command as the CLI does: a {@link CliException} is one line on stderr and exit 2. */
  private Result run(String... args) {
    StatusCommand cmd = new StatusCommand(t -> KubeClients.build(new ConfigBuilder(client.getConfiguration()).build(), t));
    CommandLine cl = new CommandLine(cmd);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    cl.setExecutionExceptionHandler((e, c, p) -> {
      if (e instanceof CliException) {
        c.getErr().println("error: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Two SGX pools (one per resource name), a plain pool, pods of every kind, and node agent trouble. */
  private void cluster() {
    Fixtures f = new Fixtures(client);
    f.namespace(NS);
    f.create(Fixtures.condition(f.node("a1", Map.of("kubernetes.azure.com/agentpool", "poola", "kubesgx.io/sgx", "true",
        "kubesgx.io/quote-helper-ready", "true"), Map.of(INTEL, "128Mi")), "True", "Advertised").build());
    f.create(Fixtures.startupTaint(Fixtures.condition(f.node("a2", Map.of("kubernetes.azure.com/agentpool", "poola",
        "kubesgx.io/sgx", "true"), Map.of(AZURE, "64")), "False", "PluginNotRegistered")).build());
    f.create(f.node("b1", Map.of("node.kubernetes.io/instance-type", "Standard_DC4s_v3",
        "kubesgx.io/quote-helper-ready", "true"), Map.of(INTEL, "64Mi")).build());
    f.create(f.node("c1", Map.of("agentpool", "system", "kubesgx.io/sgx", "false"), Map.of()).build());

    f.create(f.pod("app", "p1", "a1", Map.of(INTEL, "10Mi")).build());
    f.create(f.pod("app", "both", "a1", Map.of(INTEL, "8Mi", AZURE, "8")).build());
    f.create(f.pod("app", "done", "a1", Map.of(INTEL, "50Mi")).editStatus().withPhase("Succeeded").endStatus().build());
    // limits only, and an init container asking for more than the app container: 20 MiB counts
    f.create(f.pod("app", "init", "a2", Map.of()).editSpec().editFirstContainer().withNewResources()
        .withLimits(Map.of(AZURE, new Quantity("16"))).endResources().endContainer()
        .addToInitContainers(new ContainerBuilder().withName("i").withImage("i").withNewResources()
            .withRequests(Map.of(AZURE, new Quantity("20"))).withLimits(Map.of(AZURE, new Quantity("20")))
            .endResources().build()).endSpec().build());
    f.create(f.pod("app", "plain", "c1", Map.of(INTEL, "1Mi")).build());
    f.create(f.pod("app", "pending", "", Map.of(INTEL, "1Mi")).build());

    f.daemonSet("kubesgx-node-agent", Map.of("app.kubernetes.io/component", "node-agent"),
        Map.of("app", "kubesgx-node-agent"), 4, 3);
    f.agentPod("a1");
    f.agentPod("a2");
    f.agentPod("c1");
    f.daemonSet("kubesgx-quote-helper", Map.of(), Map.of("app", "kubesgx-quote-helper"), 3, 2); // found by name
    f.deployment("rel-webhook", Map.of("app.kubernetes.io/component", "webhook"), 2, 2);
  }

  @Test
  void status_json_poolsServicesAndProblemsComputed() throws Exception {
    cluster();
    Result r = run("--json");
    assertEquals(1, r.exit(), r.err() + r.out());
    JsonValue.JsonObject o = Json.parseObject(r.out());
    assertEquals(1, o.integer("schemaVersion"));
    assertEquals(NS, o.string("namespace"));
    assertEquals(new JsonValue.JsonBool(true), o.get("installed"));
    assertEquals(new JsonValue.JsonBool(false), o.get("healthy"));
    long mib = 1 << 20;
    assertEquals(List.of(
        pool("Standard_DC4s_v3", 1, 1, 64 * mib, 0, 1, 1),
        pool("poola", 2, 2, 192 * mib, 38 * mib, 1, 3),
        pool("system", 1, 0, 0, 0, 0, 0)), o.array("pools"));
    List<String> services = new ArrayList<>();
    for (JsonValue v : o.array("services")) {
      JsonValue.JsonObject s = (JsonValue.JsonObject) v;
      services.add(s.string("component") + " " + s.get("present") + " " + s.integer("ready") + "/" + s.integer("desired"));
    }
    assertEquals(List.of("webhook JsonBool[value=true] 2/2", "attestation JsonBool[value=false] 0/0",
        "key-broker JsonBool[value=false] 0/0", "quote-helper JsonBool[value=true] 2/3",
        "node-agent JsonBool[value=true] 3/4"), services);
    List<String> problems = new ArrayList<>();
    for (JsonValue v : o.array("problems")) {
      JsonValue.JsonObject p = (JsonValue.JsonObject) v;
      problems.add(p.string("kind") + " " + p.string("subject"));
    }
    assertEquals(List.of("no-node-agent b1", "epc-condition a2", "startup-taint a2", "quote-helper-not-ready a2",
        "not-ready kubesgx-quote-helper", "not-ready kubesgx-node-agent"), problems);
    assertEquals(new JsonValue.JsonNull(), o.get("attestation"));
  }

  @Test
  void status_text_tableAndProblemLines() {
    cluster();
    Result r = run();
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.out().contains("POOL              NODES  SGX  EPC ALLOCATABLE  REQUESTED  FREE     QUOTE HELPER READY  PROBLEMS\n"
        + "Standard_DC4s_v3  1      1    64 MiB           0 B        64 MiB   1/1                 1\n"
        + "poola             2      2    192 MiB          38 MiB     154 MiB  1/2                 3\n"
        + "system            1      0    0 B              0 B        0 B      0/0                 0\n"), r.out());
    assertTrue(r.out().contains("node-agent    DaemonSet   kubesgx-node-agent    3/4\n"), r.out());
    assertTrue(r.out().contains("attestation   Deployment  -                     not installed\n"), r.out());
    assertTrue(r.out().contains("6 problems:\n"), r.out());
    assertTrue(r.out().contains("  - node a2: condition KubesgxEpcAdvertised=False (PluginNotRegistered)\n"), r.out());
    assertEquals("", r.err());
  }

  @Test
  void status_healthyCluster_exit0() {
    Fixtures f = new Fixtures(client);
    f.namespace(NS);
    f.create(Fixtures.condition(f.node("a1", Map.of("agentpool", "sgx", "kubesgx.io/sgx", "true"),
        Map.of(INTEL, "64Mi")), "True", "Advertised").build());
    f.daemonSet("kubesgx-node-agent", Map.of("app.kubernetes.io/component", "node-agent"),
        Map.of("app", "kubesgx-node-agent"), 1, 1);
    f.agentPod("a1");
    Result r = run();
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().endsWith("\nhealthy\n"), r.out());
  }

  @Test
  void status_notInstalled_exit1WithOneClearProblem() throws Exception {
    new Fixtures(client).namespace(NS);
    Result r = run("--json");
    assertEquals(1, r.exit(), r.err());
    JsonValue.JsonObject o = Json.parseObject(r.out());
    assertEquals(new JsonValue.JsonBool(false), o.get("installed"));
    JsonValue.JsonObject p = (JsonValue.JsonObject) o.array("problems").get(0);
    assertEquals("not-installed", p.string("kind"));
    assertTrue(p.string("message").startsWith("kubesgx is not installed in namespace kubesgx-system: no node agent "
        + "DaemonSet (label app.kubernetes.io/component=node-agent or name kubesgx-node-agent)"), p.string("message"));
    Result text = run();
    assertTrue(text.out().endsWith("  - " + p.string("message") + "\n"), text.out());
  }

  @Test
  void status_missingNamespace_exit2OneLine() {
    Result r = run("--namespace", "kubesgx-sytem");
    assertEquals(2, r.exit(), r.out());
    assertEquals("error: namespace kubesgx-sytem does not exist; pass --namespace with the namespace kubesgx was "
        + "installed in\n", r.err().replace("\r", ""));
    assertEquals("", r.out());
  }

  @Test
  void status_badAttestationUrl_exit2() {
    Result r = run("--attestation-url", "ftp://x");
    assertEquals(2, r.exit());
    assertTrue(r.err().startsWith("error: --attestation-url ftp://x: give an http:// or https:// URL"), r.err());
  }

  @Test
  void status_attestationThroughServiceProxy_keyAgeAndExpiryShown() throws Exception {
    Fixtures f = new Fixtures(client);
    f.namespace(NS);
    f.daemonSet("kubesgx-node-agent", Map.of("app.kubernetes.io/component", "node-agent"), Map.of("app", "a"), 0, 0);
    f.deployment("kubesgx-attestation", Map.of("app.kubernetes.io/component", "attestation"), 2, 2);
    f.service("kubesgx-attestation", Map.of("app.kubernetes.io/component", "attestation"), "http", 8080);
    server.expect().get().withPath("/api/v1/namespaces/kubesgx-system/services/kubesgx-attestation:http/proxy/status")
        .andReturn(200, "{\"schemaVersion\":1,\"now\":\"2026-12-06T12:00:00Z\",\"signingKey\":{\"kid\":\"k1\","
            + "\"algorithm\":\"ES256\",\"createdAt\":\"2026-12-04T11:00:00Z\",\"activatesAt\":\"2026-12-04T11:00:00Z\","
            + "\"ageSeconds\":176400},\"collateral\":[{\"key\":\"sgx/00906ED50000/processor/standard\",\"tee\":\"sgx\","
            + "\"fmspc\":\"00906ED50000\",\"source\":\"network\",\"nextUpdate\":\"2027-01-05T00:00:00Z\","
            + "\"stale\":false,\"expired\":false}]}")
        .always();
    Result r = run();
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("attestation (service proxy kubesgx-system/kubesgx-attestation:http)\n"
        + "  signing key k1, age 2d 1h\n"
        + "  earliest collateral nextUpdate 2027-01-05T00:00:00Z\n"
        + "  FMSPC 00906ED50000 nextUpdate 2027-01-05T00:00:00Z\n"), r.out());
    JsonValue.JsonObject a = Json.parseObject(run("--json").out()).object("attestation");
    assertEquals(176400, a.object("signingKey").integer("ageSeconds"));
    assertEquals("2027-01-05T00:00:00Z", a.string("earliestCollateralExpiry"));
  }

  @Test
  void status_attestationProxy503_problemNotCrash() {
    Fixtures f = new Fixtures(client);
    f.namespace(NS);
    f.daemonSet("kubesgx-node-agent", Map.of("app.kubernetes.io/component", "node-agent"), Map.of("app", "a"), 0, 0);
    f.deployment("kubesgx-attestation", Map.of(), 1, 1);
    f.service("kubesgx-attestation", Map.of(), "https", 443);
    server.expect().get().withPath("/api/v1/namespaces/kubesgx-system/services/https:kubesgx-attestation:https/proxy/status")
        .andReturn(503, "no endpoints available").always();
    Result r = run();
    assertEquals(1, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("attestation service status unreadable via service proxy "
        + "kubesgx-system/https:kubesgx-attestation:https: HTTP 503 (no ready attestation pod behind the service)"), r.out());
  }

  private static JsonValue pool(String name, long nodes, long sgx, long alloc, long req, long qh, long problems) {
    return io.kubesgx.common.json.JsonBuilder.object().put("name", name).put("nodes", nodes).put("sgxNodes", sgx)
        .put("epcAllocatableBytes", alloc).put("epcRequestedBytes", req).put("epcFreeBytes", alloc - req)
        .put("quoteHelperReady", qh).put("problems", problems).build();
  }
}
