package io.kubesgx.status.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.common.sgx.SgxNodeConventions;
import io.kubesgx.status.ClusterSnapshot;
import io.kubesgx.status.Component;
import io.kubesgx.status.NodeInfo;
import io.kubesgx.status.PodInfo;
import io.kubesgx.status.StatusException;
import io.kubesgx.status.Workload;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads nodes, EPC-requesting pods and the kubesgx workloads into a {@link ClusterSnapshot} (the
 * parse step; nothing is computed here beyond each pod's effective request).
 *
 * <p>Workloads are found by the label {@code app.kubernetes.io/component}, else by the name {@code
 * kubesgx-<component>} (optionally with a release prefix, {@code <release>-kubesgx-<component>}).
 * Calls: get the namespace, list nodes, list pods in all namespaces, list DaemonSets, Deployments and
 * Services in the namespace, list the DaemonSets' pods.
 */
public final class ClusterReader {
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private final KubernetesClient client;

  /** Reads through {@code client}. */
  public ClusterReader(KubernetesClient client) {
    this.client = client;
  }

  /**
   * A Service in front of the attestation service.
   *
   * @param name Service name
   * @param port port name or number for the proxy path
   * @param https whether the port speaks HTTPS (named {@code https} or number 443)
   */
  public record ServiceRef(String name, String port, boolean https) {}

  /** Reads the snapshot (without the attestation service's status). */
  public ClusterSnapshot read(String namespace, String startupTaintKey) throws StatusException {
    requireNamespace(namespace);
    List<NodeInfo> nodes = new ArrayList<>();
    for (Node n : call(() -> client.nodes().list().getItems())) {
      nodes.add(node(n, startupTaintKey));
    }
    List<PodInfo> pods = new ArrayList<>();
    for (Pod p : call(() -> client.pods().inAnyNamespace().list().getItems())) {
      pod(p).ifPresent(pods::add);
    }
    List<Workload> workloads = new ArrayList<>();
    List<DaemonSet> daemonSets = call(() -> client.apps().daemonSets().inNamespace(namespace).list().getItems());
    List<Deployment> deployments = call(() -> client.apps().deployments().inNamespace(namespace).list().getItems());
    for (Component c : Component.values()) {
      if (c.kind().equals("DaemonSet")) {
        for (DaemonSet d : select(daemonSets, c)) {
          var st = d.getStatus();
          int desired = st == null || st.getDesiredNumberScheduled() == null ? 0 : st.getDesiredNumberScheduled();
          int ready = st == null || st.getNumberReady() == null ? 0 : st.getNumberReady();
          Map<String, String> selector = d.getSpec() == null || d.getSpec().getSelector() == null
              ? null : d.getSpec().getSelector().getMatchLabels();
          Set<String> podNodes = new HashSet<>();
          if (selector != null && !selector.isEmpty()) {
            for (Pod p : call(() -> client.pods().inNamespace(namespace).withLabels(selector).list().getItems())) {
              if (!terminated(p) && p.getSpec() != null && p.getSpec().getNodeName() != null) {
                podNodes.add(p.getSpec().getNodeName());
              }
            }
          }
          workloads.add(new Workload(c, d.getMetadata().getName(), Math.max(0, desired), Math.max(0, ready), podNodes));
        }
      } else {
        for (Deployment d : select(deployments, c)) {
          Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
          Integer ready = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
          workloads.add(Workload.of(c, d.getMetadata().getName(), Math.max(0, replicas == null ? 1 : replicas),
              Math.max(0, ready == null ? 0 : ready)));
        }
      }
    }
    return new ClusterSnapshot(namespace, nodes, pods, workloads, Optional.empty(), startupTaintKey);
  }

  /** Finds the attestation service's Service: by component label, else by name. */
  public Optional<ServiceRef> attestationService(String namespace) throws StatusException {
    List<Service> all = call(() -> client.services().inNamespace(namespace).list().getItems());
    for (Service s : select(all, Component.ATTESTATION)) {
      List<ServicePort> ports = s.getSpec() == null || s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
      if (ports.isEmpty()) {
        continue;
      }
      ServicePort chosen = ports.get(0);
      for (ServicePort p : ports) {
        if ("http".equals(p.getName()) || "https".equals(p.getName())) {
          chosen = p;
          break;
        }
      }
      boolean https = "https".equals(chosen.getName()) || Integer.valueOf(443).equals(chosen.getPort());
      String port = chosen.getName() != null && !chosen.getName().isEmpty() ? chosen.getName()
          : String.valueOf(chosen.getPort());
      return Optional.of(new ServiceRef(s.getMetadata().getName(), port, https));
    }
    return Optional.empty();
  }

  private static <T extends HasMetadata> List<T> select(List<T> all, Component c) {
    List<T> byLabel = new ArrayList<>();
    List<T> byName = new ArrayList<>();
    for (T o : all) {
      Map<String, String> labels = o.getMetadata().getLabels();
      String name = o.getMetadata().getName();
      if (labels != null && c.label().equals(labels.get(Component.COMPONENT_LABEL))) {
        byLabel.add(o);
      } else if (name != null && (name.equals(c.defaultName()) || name.endsWith("-" + c.defaultName()))) {
        byName.add(o);
      }
    }
    return byLabel.isEmpty() ? byName : byLabel;
  }

  private void requireNamespace(String namespace) throws StatusException {
    try {
      if (client.namespaces().withName(namespace).get() == null) {
        throw new StatusException(StatusException.Reason.NAMESPACE_NOT_FOUND, "namespace " + namespace
            + " does not exist; pass --namespace with the namespace kubesgx was installed in", null);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        return; // may not read namespaces: the listings below still tell whether kubesgx is there
      }
      throw map(e);
    }
  }

  private <T> T call(Supplier<T> s) throws StatusException {
    try {
      return s.get();
    } catch (KubernetesClientException e) {
      throw map(e);
    }
  }

  private StatusException map(KubernetesClientException e) {
    String where = "the API server at " + client.getMasterUrl();
    if (e.getCode() == 401 || e.getCode() == 403) {
      return new StatusException(StatusException.Reason.API_FORBIDDEN, where + " refused the request (HTTP "
          + e.getCode() + "): kubesgx status needs get/list on nodes, pods, namespaces and, in the kubesgx "
          + "namespace, daemonsets, deployments and services; check the credentials of --kubeconfig/--context", e);
    }
    if (e.getCode() > 0) {
      return new StatusException(StatusException.Reason.API_ERROR, where + " answered HTTP " + e.getCode()
          + (e.getStatus() != null && e.getStatus().getMessage() != null ? ": " + e.getStatus().getMessage() : ""), e);
    }
    return new StatusException(StatusException.Reason.API_UNREACHABLE, "cannot reach " + where + ": "
        + rootMessage(e) + "; check --kubeconfig/--context (or KUBECONFIG)", e);
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      root = c;
      if (c instanceof java.net.ConnectException) {
        break; // its cause (e.g. ClosedChannelException) says less
      }
    }
    if (root instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (root instanceof java.net.UnknownHostException || root instanceof java.nio.channels.UnresolvedAddressException) {
      return "unknown host";
    }
    if (root instanceof java.util.concurrent.TimeoutException || root instanceof java.net.SocketTimeoutException
        || root instanceof java.net.http.HttpTimeoutException) {
      return "timed out";
    }
    String m = root.getMessage();
    return (m == null || m.isBlank() ? root.getClass().getSimpleName() : m).replaceAll("\\s+", " ");
  }

  static NodeInfo node(Node n, String startupTaintKey) {
    Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    Map<String, Quantity> alloc = null;
    if (n.getStatus() != null) {
      alloc = n.getStatus().getAllocatable();
      if (alloc == null || alloc.isEmpty()) {
        alloc = n.getStatus().getCapacity();
      }
    }
    long intel = alloc == null ? 0 : amount(alloc.get(EpcResource.INTEL.resourceName()));
    long azure = alloc == null ? 0 : amount(alloc.get(EpcResource.AZURE.resourceName()));
    Optional<NodeInfo.Condition> cond = Optional.empty();
    if (n.getStatus() != null && n.getStatus().getConditions() != null) {
      for (NodeCondition c : n.getStatus().getConditions()) {
        if (SgxNodeConventions.EPC_CONDITION.equals(c.getType())) {
          cond = Optional.of(new NodeInfo.Condition(c.getStatus() == null ? "Unknown" : c.getStatus(),
              c.getReason() == null ? "" : c.getReason(), c.getMessage() == null ? "" : c.getMessage()));
        }
      }
    }
    boolean taint = false;
    if (n.getSpec() != null && n.getSpec().getTaints() != null) {
      for (Taint t : n.getSpec().getTaints()) {
        taint |= startupTaintKey.equals(t.getKey());
      }
    }
    return new NodeInfo(n.getMetadata().getName(), NodeInfo.poolOf(labels),
        "true".equals(labels.get(SgxNodeConventions.SGX_LABEL)), intel, azure,
        "true".equals(labels.get(SgxNodeConventions.QUOTE_HELPER_READY_LABEL)), cond, taint);
  }

  /** The pod with its effective EPC requests, or empty when it requests none. */
  static Optional<PodInfo> pod(Pod p) {
    if (p.getSpec() == null) {
      return Optional.empty();
    }
    long intel = effective(p, EpcResource.INTEL.resourceName());
    long azure = effective(p, EpcResource.AZURE.resourceName());
    if (intel == 0 && azure == 0) {
      return Optional.empty();
    }
    String node = p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName();
    return Optional.of(new PodInfo(String.valueOf(p.getMetadata().getNamespace()), p.getMetadata().getName(), node,
        terminated(p), intel, azure));
  }

  private static boolean terminated(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** As the scheduler: max(sum of containers, largest init container) + overhead; requests, else limits. */
  private static long effective(Pod p, String resource) {
    long sum = 0;
    for (Container c : nullSafe(p.getSpec().getContainers())) {
      sum = io.kubesgx.status.Quantities.add(sum, request(c, resource));
    }
    long init = 0;
    for (Container c : nullSafe(p.getSpec().getInitContainers())) {
      init = Math.max(init, request(c, resource));
    }
    long overhead = p.getSpec().getOverhead() == null ? 0 : amount(p.getSpec().getOverhead().get(resource));
    return io.kubesgx.status.Quantities.add(Math.max(sum, init), overhead);
  }

  private static long request(Container c, String resource) {
    if (c == null || c.getResources() == null) {
      return 0;
    }
    Map<String, Quantity> req = c.getResources().getRequests();
    if (req != null && req.containsKey(resource)) {
      return amount(req.get(resource));
    }
    Map<String, Quantity> lim = c.getResources().getLimits();
    return lim == null ? 0 : amount(lim.get(resource)); // an extended resource's request defaults to its limit
  }

  private static <T> List<T> nullSafe(List<T> l) {
    return l == null ? List.of() : l;
  }

  /** A quantity as a non-negative long, rounded up; absurd values saturate, malformed ones count 0. */
  static long amount(Quantity q) {
    if (q == null) {
      return 0;
    }
    BigDecimal v;
    try {
      v = q.getNumericalAmount();
    } catch (RuntimeException e) {
      return 0; // the API server validates quantities; an unparsable one is not ours to count
    }
    if (v.signum() <= 0) {
      return 0;
    }
    if (v.compareTo(LONG_MAX) >= 0) {
      return Long.MAX_VALUE;
    }
    return v.setScale(0, RoundingMode.CEILING).longValue();
  }
}
