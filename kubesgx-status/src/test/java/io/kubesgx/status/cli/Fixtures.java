package io.kubesgx.status.cli;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubesgx.common.sgx.SgxNodeConventions;
import java.util.HashMap;
import java.util.Map;

/** Builds cluster objects in the mock API server. */
final class Fixtures {
  static final String NS = "kubesgx-system";
  static final String INTEL = "sgx.intel.com/epc";
  static final String AZURE = "kubernetes.azure.com/sgx_epc_mem_in_MiB";

  private final KubernetesClient client;

  Fixtures(KubernetesClient client) {
    this.client = client;
  }

  void namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  /** A node; {@code condition} null for none; {@code epc} resource → quantity. */
  NodeBuilder node(String name, Map<String, String> labels, Map<String, String> epc) {
    Map<String, Quantity> alloc = new HashMap<>();
    alloc.put("cpu", new Quantity("4"));
    epc.forEach((k, v) -> alloc.put(k, new Quantity(v)));
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().withAllocatable(alloc).withCapacity(alloc).endStatus();
  }

  void create(Node n) {
    client.nodes().resource(n).create();
  }

  static NodeBuilder condition(NodeBuilder b, String status, String reason) {
    return b.editStatus().addNewCondition().withType(SgxNodeConventions.EPC_CONDITION).withStatus(status)
        .withReason(reason).withMessage("").endCondition().endStatus();
  }

  static NodeBuilder startupTaint(NodeBuilder b) {
    return b.editSpec().addNewTaint().withKey(SgxNodeConventions.STARTUP_TAINT_KEY).withValue("true")
        .withEffect("NoSchedule").endTaint().endSpec();
  }

  /** A pod bound to {@code node} with one container's requests; phase Running unless given. */
  PodBuilder pod(String ns, String name, String node, Map<String, String> requests) {
    Map<String, Quantity> req = new HashMap<>();
    requests.forEach((k, v) -> req.put(k, new Quantity(v)));
    return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withNodeName(node).addToContainers(new ContainerBuilder().withName("c").withImage("app")
            .withNewResources().withRequests(req).withLimits(req).endResources().build()).endSpec()
        .withNewStatus().withPhase("Running").endStatus();
  }

  void create(Pod p) {
    client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  void daemonSet(String name, Map<String, String> labels, Map<String, String> selector, int desired, int ready) {
    client.apps().daemonSets().inNamespace(NS).resource(new DaemonSetBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().withNewSelector().withMatchLabels(selector).endSelector().endSpec()
        .withNewStatus().withDesiredNumberScheduled(desired).withNumberReady(ready).withCurrentNumberScheduled(desired)
        .withNumberMisscheduled(0).endStatus().build()).create();
  }

  void deployment(String name, Map<String, String> labels, int replicas, int ready) {
    client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().withReplicas(replicas).endSpec()
        .withNewStatus().withReadyReplicas(ready).endStatus().build()).create();
  }

  void service(String name, Map<String, String> labels, String portName, int port) {
    client.services().inNamespace(NS).resource(new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().addNewPort().withName(portName).withPort(port).endPort().endSpec().build()).create();
  }

  /** A node agent pod on {@code node}. */
  void agentPod(String node) {
    create(new PodBuilder().withNewMetadata().withNamespace(NS).withName("agent-" + node)
        .withLabels(Map.of("app", "kubesgx-node-agent")).endMetadata()
        .withNewSpec().withNodeName(node).addToContainers(new ContainerBuilder().withName("agent").withImage("a").build())
        .endSpec().withNewStatus().withPhase("Running").endStatus().build());
  }
}
