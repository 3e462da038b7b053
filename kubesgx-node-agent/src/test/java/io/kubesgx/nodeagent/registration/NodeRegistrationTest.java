package io.kubesgx.nodeagent.registration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.discovery.Discovery;
import io.kubesgx.nodeagent.discovery.DiscoveryOptions;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.HostRootFixtures;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node labels, the sgx.intel.com/epc capacity and taint removal against the CRUD mock server. */
@EnableKubernetesMockClient(crud = true)
class NodeRegistrationTest {
  KubernetesClient client;
  KubernetesMockServer server;
  @TempDir Path tmp;

  private static final Taint STARTUP = Taint.parse(Taint.DEFAULT_STARTUP);

  @BeforeEach
  void createNode() {
    client.nodes().resource(new NodeBuilder()
        .withNewMetadata().withName("sgx-1").addToLabels("kubernetes.io/os", "linux")
        .addToLabels("kubesgx.io/stale", "x").endMetadata()
        .withNewSpec()
        .addNewTaint().withKey("other").withValue("v").withEffect("NoExecute").endTaint()
        .addNewTaint().withKey(STARTUP.key()).withValue(STARTUP.value())
        .withEffect(STARTUP.effect()).endTaint()
        .endSpec()
        .withNewStatus().addToCapacity("cpu", new Quantity("4")).endStatus()
        .build()).create();
  }

  private NodeSgxInfo inKernel() {
    return Discovery.discover(DiscoveryOptions.of(new HostRoot(
        HostRootFixtures.driverFixture("in-kernel", tmp.resolve("root")))));
  }

  @Test
  void reconcile_pluginsRegistered_setsLabelsCapacityAndRemovesOnlyStartupTaint() {
    NodeRegistrar r = new NodeRegistrar(new Fabric8NodeApi(client), "sgx-1", Optional.of(STARTUP));
    assertEquals(NodeRegistrar.Outcome.UPDATED, r.reconcile(inKernel(), true));
    Node n = client.nodes().withName("sgx-1").get();
    Map<String, String> l = n.getMetadata().getLabels();
    assertEquals("true", l.get("kubesgx.io/sgx"));
    assertEquals("in-kernel", l.get("kubesgx.io/sgx-driver"));
    assertEquals("true", l.get("kubesgx.io/sgx2"));
    assertEquals("65536", l.get("kubesgx.io/epc-mib"));
    assertEquals("true", l.get(NodeLabels.NFD_SGX));
    assertEquals("true", l.get(NodeLabels.INTEL_CAPABLE));
    assertEquals("true", l.get(NodeLabels.EPC_READY));
    assertEquals("linux", l.get("kubernetes.io/os"));
    assertNull(l.get("kubesgx.io/stale"));
    assertEquals(new Quantity(Long.toString(64L << 30)),
        n.getStatus().getCapacity().get(ResourceNames.EPC_BYTES));
    assertEquals(new Quantity("4"), n.getStatus().getCapacity().get("cpu"));
    assertEquals(1, n.getSpec().getTaints().size());
    assertEquals("other", n.getSpec().getTaints().get(0).getKey());
    assertTrue(r.taintRemoved());
    // Idempotent.
    assertEquals(NodeRegistrar.Outcome.UP_TO_DATE, r.reconcile(inKernel(), true));
  }

  @Test
  void reconcile_pluginsNotRegistered_keepsTaintButWritesCapacity() {
    NodeRegistrar r = new NodeRegistrar(new Fabric8NodeApi(client), "sgx-1", Optional.of(STARTUP));
    r.reconcile(inKernel(), false);
    Node n = client.nodes().withName("sgx-1").get();
    assertEquals(2, n.getSpec().getTaints().size());
    assertFalse(n.getMetadata().getLabels().containsKey(NodeLabels.EPC_READY));
    assertTrue(n.getStatus().getCapacity().containsKey(ResourceNames.EPC_BYTES));
    assertFalse(r.taintRemoved());
  }

  @Test
  void reconcile_noSgxNode_keepsTaintAndLabelsSgxFalse() {
    NodeSgxInfo none = Discovery.discover(DiscoveryOptions.of(new HostRoot(
        HostRootFixtures.driverFixture("none", tmp.resolve("none")))));
    NodeRegistrar r = new NodeRegistrar(new Fabric8NodeApi(client), "sgx-1", Optional.of(STARTUP));
    r.reconcile(none, true);
    Node n = client.nodes().withName("sgx-1").get();
    assertEquals("false", n.getMetadata().getLabels().get("kubesgx.io/sgx"));
    assertFalse(n.getMetadata().getLabels().containsKey(NodeLabels.NFD_SGX));
    assertEquals(2, n.getSpec().getTaints().size());
    assertFalse(n.getStatus().getCapacity().containsKey(ResourceNames.EPC_BYTES));
  }

  @Test
  void reconcile_missingNode_reportsNotFound() {
    NodeRegistrar r = new NodeRegistrar(new Fabric8NodeApi(client), "nope", Optional.of(STARTUP));
    assertEquals(NodeRegistrar.Outcome.NODE_NOT_FOUND, r.reconcile(inKernel(), true));
  }

  @Test
  void plan_capacityAlreadyCorrect_onlyTaintAndReadyLabel() {
    NodeSgxInfo info = inKernel();
    Map<String, String> labels = NodeLabels.compute(info, false);
    NodeState s = new NodeState(labels, Optional.of(Long.toString(info.epcBytes())),
        java.util.List.of(STARTUP));
    NodeUpdate u = NodePlanner.plan(info, s, true, Optional.of(STARTUP));
    assertEquals(Map.of(NodeLabels.EPC_READY, "true"), u.setLabels());
    assertTrue(u.epcCapacityBytes().isEmpty());
    assertEquals(Optional.of(STARTUP), u.removeTaint());
  }

  @Test
  void taint_parse_roundTrips() {
    assertEquals(Taint.DEFAULT_STARTUP, STARTUP.toString());
    assertEquals(new Taint("k", "", "NoSchedule"), Taint.parse("k:NoSchedule"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Taint.parse("k=v:Sometimes"));
  }
}
