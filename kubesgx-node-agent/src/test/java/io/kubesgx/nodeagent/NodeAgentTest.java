package io.kubesgx.nodeagent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.common.sgx.SgxNodeConventions;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.kubesgx.nodeagent.deviceplugin.FakeKubelet;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.HostRootFixtures;
import io.kubesgx.nodeagent.registration.Taint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent: fake kubelet + CRUD mock API server + health endpoints. */
@EnableKubernetesMockClient(crud = true)
class NodeAgentTest {
  KubernetesClient client;
  KubernetesMockServer server;
  @TempDir Path tmp;

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  @Test
  void start_inKernelNode_registersPluginsThenLabelsNodeAndRemovesStartupTaint() throws Exception {
    Taint startup = Taint.parse(Taint.DEFAULT_STARTUP);
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
        .withNewSpec().addNewTaint().withKey(startup.key()).withValue(startup.value())
        .withEffect(startup.effect()).endTaint().endSpec()
        .withNewStatus().addToCapacity("cpu", new Quantity("2")).endStatus().build()).create();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    Path root = HostRootFixtures.driverFixture("in-kernel", tmp.resolve("root"));
    NodeAgentConfig cfg = NodeAgentConfig.builder()
        .hostRoot(new HostRoot(root))
        .plugins(new PluginSupervisor.Config(dir, Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(15)))
        .nodeName("n1")
        .enclaveSlots(3)
        .provisionSlots(3)
        .metricsPort(0)
        .registrationInterval(Duration.ofMillis(500))
        .enforcementInterval(Duration.ofMillis(200))
        .build();
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        NodeAgent agent = NodeAgent.start(cfg, Optional.of(client))) {
      assertTrue(get(agent.httpPort(), "/healthz").startsWith("200"));
      await().atMost(Duration.ofSeconds(15)).until(agent::ready);
      await().atMost(Duration.ofSeconds(15)).until(() -> {
        Node n = client.nodes().withName("n1").get();
        return n.getSpec().getTaints() == null || n.getSpec().getTaints().isEmpty();
      });
      Node n = client.nodes().withName("n1").get();
      assertEquals("true", n.getMetadata().getLabels().get("kubesgx.io/epc-ready"));
      assertEquals(new Quantity(Long.toString(64L << 30)),
          n.getStatus().getCapacity().get(ResourceNames.EPC_BYTES));
      assertTrue(get(agent.httpPort(), "/readyz").startsWith("200"));
      String metrics = get(agent.httpPort(), "/metrics");
      assertTrue(metrics.contains("kubesgx_node_epc_bytes 6.8719476736E10\n"), metrics); // 64 GiB
      assertTrue(metrics.contains(
          "kubesgx_device_plugin_registered{resource=\"sgx.intel.com/enclave\"} 1.0\n"), metrics);
      assertTrue(metrics.contains("kubesgx_node_startup_taint_removed 1.0\n"), metrics);
      // One EPC accounting (default intel): the byte capacity only, no per-MiB devices.
      assertFalse(kubelet.registeredResources().contains(ResourceNames.EPC_MIB),
          kubelet.registeredResources().toString());
    } finally {
      Files.deleteIfExists(dir.resolve("kubelet.sock"));
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void start_kubeApiUnreachable_pluginsStillServeAndReadyzExplains() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    NodeAgentConfig cfg = NodeAgentConfig.builder()
        .hostRoot(new HostRoot(tmp))
        .simulateEpcBytes(java.util.OptionalLong.of(32L << 20))
        .plugins(new PluginSupervisor.Config(dir, Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(15)))
        .nodeName("missing-node")
        .metricsPort(0)
        .epcResource(EpcResource.AZURE)
        .build();
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        NodeAgent agent = NodeAgent.start(cfg, Optional.of(client))) {
      assertEquals(32, kubelet.awaitRegistration(ResourceNames.EPC_MIB).next().getDevicesCount());
      await().atMost(Duration.ofSeconds(10)).until(
          () -> get(agent.httpPort(), "/readyz").contains("NODE_NOT_FOUND"));
      assertTrue(get(agent.httpPort(), "/readyz").startsWith("503"));
    } finally {
      Files.deleteIfExists(dir.resolve("kubelet.sock"));
      Files.deleteIfExists(dir);
    }
  }

  private NodeAgentConfig simulated(Path dir, long epcBytes, EpcResource epc) {
    return NodeAgentConfig.builder()
        .hostRoot(new HostRoot(tmp))
        .simulateEpcBytes(java.util.OptionalLong.of(epcBytes))
        .plugins(new PluginSupervisor.Config(dir, Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(15)))
        .nodeName("big")
        .enclaveSlots(2)
        .provisionSlots(2)
        .metricsPort(-1)
        .enforceEpc(false)
        .registrationInterval(Duration.ofMillis(300))
        .epcResource(epc)
        .build();
  }

  private static NodeCondition epcCondition(Node n) {
    if (n.getStatus() == null || n.getStatus().getConditions() == null) {
      return null;
    }
    return n.getStatus().getConditions().stream()
        .filter(c -> SgxNodeConventions.EPC_CONDITION.equals(c.getType())).findFirst()
        .orElse(null);
  }

  @Test
  void start_512GiBNodeIntelAccounting_everyMiBSchedulableAsBytesAndConditionTrue()
      throws Exception {
    long epc = 512L << 30;
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("big").endMetadata()
        .withNewStatus().addToCapacity("cpu", new Quantity("2")).endStatus().build()).create();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        NodeAgent agent = NodeAgent.start(simulated(dir, epc, EpcResource.INTEL),
            Optional.of(client))) {
      kubelet.awaitRegistrationOrCurrent(ResourceNames.ENCLAVE);
      await().atMost(Duration.ofSeconds(20)).until(
          () -> epcCondition(client.nodes().withName("big").get()) != null);
      Node n = client.nodes().withName("big").get();
      assertEquals(new Quantity(Long.toString(epc)),
          n.getStatus().getCapacity().get(ResourceNames.EPC_BYTES));
      assertEquals(epc / (1 << 20), Quantity.getAmountInBytes(
          n.getStatus().getCapacity().get(ResourceNames.EPC_BYTES)).longValueExact() / (1 << 20));
      NodeCondition c = epcCondition(n);
      assertEquals("True", c.getStatus(), c.getMessage());
      assertTrue(c.getMessage().contains("524288 MiB"), c.getMessage());
      assertFalse(kubelet.registeredResources().contains(ResourceNames.EPC_MIB));
    } finally {
      Files.deleteIfExists(dir.resolve("kubelet.sock"));
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void start_512GiBNodePerMiBAccounting_capsDevicesAndConditionSaysSo() throws Exception {
    long epc = 512L << 30;
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("big").endMetadata()
        .withNewStatus().addToCapacity("cpu", new Quantity("2"))
        .addToCapacity(ResourceNames.EPC_BYTES, new Quantity(Long.toString(epc))).endStatus()
        .build()).create();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "ks");
    try (FakeKubelet kubelet = new FakeKubelet(dir).start();
        NodeAgent agent = NodeAgent.start(simulated(dir, epc, EpcResource.AZURE),
            Optional.of(client))) {
      int devices = kubelet.awaitRegistrationOrCurrent(ResourceNames.EPC_MIB).next()
          .getDevicesCount();
      assertTrue(devices < 512 * 1024, "per-MiB devices cannot all fit: " + devices);
      await().atMost(Duration.ofSeconds(20)).until(
          () -> epcCondition(client.nodes().withName("big").get()) != null);
      Node n = client.nodes().withName("big").get();
      NodeCondition c = epcCondition(n);
      assertEquals("False", c.getStatus());
      assertEquals("EpcDevicesCapped", c.getReason());
      assertTrue(c.getMessage().contains("--epc-resource intel"), c.getMessage());
      // One accounting: the byte capacity left from before is removed.
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        Node m = client.nodes().withName("big").get();
        return !m.getStatus().getCapacity().containsKey(ResourceNames.EPC_BYTES);
      });
    } finally {
      Files.deleteIfExists(dir.resolve("kubelet.sock"));
      Files.deleteIfExists(dir);
    }
  }
}
