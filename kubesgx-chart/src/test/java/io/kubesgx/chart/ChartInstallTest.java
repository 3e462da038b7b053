package io.kubesgx.chart;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubesgx.common.sgx.SgxNodeConventions;
import io.kubesgx.nodeagent.cli.NodeAgentCommand;
import io.kubesgx.status.Component;
import io.kubesgx.status.NodeInfo;
import io.kubesgx.status.StatusCalculator;
import io.kubesgx.status.StatusReport;
import io.kubesgx.status.kube.ClusterReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 evidence: the rendered manifests applied to fabric8's mock API server (CRUD mode), then
 * the node agent run with the arguments and JVM options the chart gives it (plus simulated EPC),
 * against that server: the Node gets its EPC capacity and the labels the quote helper's
 * DaemonSet selects on. One mock server and one agent process for the whole flow.
 */
@EnableKubernetesMockClient(crud = true)
class ChartInstallTest {
  static final String NODE = "sgx-node-1";
  static final String STARTUP_TAINT = "ignore-taint.cluster-autoscaler.kubernetes.io/kubesgx-epc-not-ready";

  KubernetesClient client;
  KubernetesMockServer server;
  @TempDir Path tmp;

  @Test
  void install_renderedChartThenNodeAgentWithSimulatedEpc_nodeShowsEpcCapacity() throws Exception {
    RenderedChart chart = RenderedChart.render("default-values.yaml", "nodeAgent.simulateEpc", "64Mi");

    // 1. The release namespace (what `helm install --create-namespace` creates; the chart renders
    //    none), then every rendered object; each reads back.
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(RenderedChart.NAMESPACE)
        .endMetadata().build()).create();
    for (HasMetadata o : chart.objects()) {
      client.resource(o).create();
    }
    for (HasMetadata o : chart.objects()) {
      assertNotNull(client.resource(o).get(), o.getKind() + "/" + o.getMetadata().getName());
    }

    // 2. A new SGX node joins with the startup taint, before anything labelled it SGX: the agent's
    //    DaemonSet matches it (and tolerates the taint), the quote helper's does not yet.
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE)
        .addToLabels("kubernetes.io/os", "linux").endMetadata()
        .withNewSpec().addNewTaint().withKey(STARTUP_TAINT).withValue("true").withEffect("NoSchedule")
        .endTaint().endSpec()
        .withNewStatus().addToCapacity("cpu", new Quantity("2")).endStatus().build()).create();
    DaemonSet agentDs = client.apps().daemonSets().inNamespace(RenderedChart.NAMESPACE)
        .withName("kubesgx-node-agent").get();
    DaemonSet helperDs = client.apps().daemonSets().inNamespace(RenderedChart.NAMESPACE)
        .withName("kubesgx-quote-helper").get();
    assertTrue(selects(agentDs, client.nodes().withName(NODE).get()));
    assertFalse(selects(helperDs, client.nodes().withName(NODE).get()));

    // 3. The node agent with the chart's own arguments and JVM options, host paths moved into
    //    temporary directories, against the mock server.
    Container c = agentDs.getSpec().getTemplate().getSpec().getContainers().get(0);
    Path hostRoot = Files.createDirectories(tmp.resolve("host"));
    Path kubeletDir = Files.createTempDirectory(Path.of("/tmp"), "kd"); // short: UNIX socket paths
    List<String> args = new ArrayList<>(c.getArgs());
    assertEquals("node-agent", args.remove(0), "the image's CLI sub-command");
    args.replaceAll(a -> switch (a) {
      case "/host" -> hostRoot.toString();
      case "/var/lib/kubelet/device-plugins" -> kubeletDir.toString();
      default -> a;
    });
    args.set(args.indexOf("--metrics-port") + 1, "0"); // any free port; the agent logs which
    assertEquals("64Mi", args.get(args.indexOf("--simulate-epc") + 1));
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: test, user: {token: test}}]
        contexts: [{name: mock, context: {cluster: mock, user: test}}]
        current-context: mock
        """.formatted(client.getConfiguration().getMasterUrl()));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), NodeAgentCommand.class.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("agent.log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("KUBERNETES_"));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("NODE_NAME", NODE);
    c.getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
        .forEach(e -> env.put(e.getName(), e.getValue()));
    Process agent = pb.start();
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        assertTrue(agent.isAlive(), () -> "the agent exited: " + log());
        Node n = client.nodes().withName(NODE).get();
        return n.getStatus().getCapacity().containsKey("sgx.intel.com/epc")
            && "true".equals(n.getMetadata().getLabels().get("kubesgx.io/sgx"));
      });
      Node n = client.nodes().withName(NODE).get();
      assertEquals(64L << 20, Quantity.getAmountInBytes(
          n.getStatus().getCapacity().get("sgx.intel.com/epc")).longValueExact());
      assertEquals("true", n.getMetadata().getLabels().get("kubesgx.io/sgx-simulated"));
      // Now the quote helper's DaemonSet selects the node.
      assertTrue(selects(helperDs, n));
      // No kubelet here, so the plugins never register and the startup taint stays (the agent
      // removes it only once EPC is advertised to the kubelet too).
      assertTrue(n.getSpec().getTaints().stream().anyMatch(t -> STARTUP_TAINT.equals(t.getKey())));
      Matcher port = Pattern.compile("health and metrics on port (\\d+)").matcher(log());
      assertTrue(port.find(), this::log);
      int metricsPort = Integer.parseInt(port.group(1));
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + metricsPort + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), "the chart's liveness endpoint");

      // 4. `kubesgx status` against the same API server: the node's EPC in its pool and every
      //    component the chart created.
      StatusReport report = StatusCalculator.compute(new ClusterReader(client)
          .read(RenderedChart.NAMESPACE, SgxNodeConventions.STARTUP_TAINT_KEY));
      assertTrue(report.installed(), report::toString);
      StatusReport.Pool pool = report.pools().stream()
          .filter(p -> p.name().equals(NodeInfo.poolOf(n.getMetadata().getLabels())))
          .findFirst().orElseThrow(() -> new AssertionError("no pool for " + NODE + ": " + report));
      assertEquals(1, pool.sgxNodes(), report::toString);
      assertEquals(64L << 20, pool.epcAllocatableBytes(), report::toString);
      assertEquals(64L << 20, pool.epcFreeBytes(), report::toString);
      for (Component comp : Component.values()) {
        List<String> rendered = chart.objects().stream()
            .filter(o -> o.getKind().equals(comp.kind())
                && o.getMetadata().getLabels() != null
                && comp.label().equals(o.getMetadata().getLabels().get(Component.COMPONENT_LABEL)))
            .map(o -> o.getMetadata().getName()).sorted().toList();
        StatusReport.Service service = report.services().stream().filter(s -> s.component() == comp)
            .findFirst().orElseThrow();
        assertEquals(rendered, service.names().stream().sorted().toList(), comp + " in " + report);
      }
      assertTrue(report.services().stream().filter(StatusReport.Service::present).count() >= 3,
          () -> "the default chart creates at least the node agent, quote helper and one service: " + report);

      agent.destroy(); // SIGTERM
      assertTrue(agent.waitFor(30, TimeUnit.SECONDS), "the agent did not stop on SIGTERM");
      assertEquals(0, agent.exitValue(), this::log);
    } finally {
      agent.destroyForcibly();
      try (var files = Files.list(kubeletDir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(kubeletDir);
    }
  }

  private String log() {
    try {
      return Files.readString(tmp.resolve("agent.log"));
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The DaemonSet's nodeSelector matches the node's labels (its only placement rule here). */
  private static boolean selects(DaemonSet ds, Node node) {
    Map<String, String> sel = ds.getSpec().getTemplate().getSpec().getNodeSelector();
    Map<String, String> labels = node.getMetadata().getLabels();
    return sel.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
