package io.kubesgx.nodeagent.registration;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Decides what to change on the Node object.
 *
 * <p>The startup taint is removed only when EPC is advertised: every device plugin is registered
 * with the kubelet and, if the node has EPC, the {@code sgx.intel.com/epc} capacity already reads
 * the discovered value. A node without EPC keeps the taint (it is not an SGX-ready node).
 */
public final class NodePlanner {
  private NodePlanner() {}

  /**
   * Plans one reconciliation.
   *
   * @param info what discovery found
   * @param current the Node as read from the API server
   * @param pluginsRegistered every device plugin is registered with the kubelet
   * @param startupTaint the taint to remove when ready, if configured
   */
  public static NodeUpdate plan(NodeSgxInfo info, NodeState current, boolean pluginsRegistered,
      Optional<Taint> startupTaint) {
    return plan(info, current, pluginsRegistered, startupTaint, EpcResource.INTEL);
  }

  /**
   * Plans one reconciliation for a cluster whose canonical EPC resource is {@code epcResource}:
   * with {@link EpcResource#INTEL} the byte capacity is written; with {@link EpcResource#AZURE}
   * EPC is advertised by the per-MiB device plugin only and any byte capacity is removed.
   */
  public static NodeUpdate plan(NodeSgxInfo info, NodeState current, boolean pluginsRegistered,
      Optional<Taint> startupTaint, EpcResource epcResource) {
    long epc = info.epcBytes();
    boolean bytes = epcResource == EpcResource.INTEL;
    boolean capacityOk = !bytes || epc == 0
        || current.epcCapacity().map(v -> v.equals(Long.toString(epc))).orElse(false);
    OptionalLong setCapacity = bytes && epc > 0 && !capacityOk ? OptionalLong.of(epc)
        : OptionalLong.empty();
    boolean removeCapacity = !bytes && current.epcCapacity().isPresent();
    boolean ready = epc > 0 && pluginsRegistered && capacityOk;

    Map<String, String> wanted = NodeLabels.compute(info, ready);
    Map<String, String> set = new HashMap<>();
    wanted.forEach((k, v) -> {
      if (!v.equals(current.labels().get(k))) {
        set.put(k, v);
      }
    });
    Set<String> remove = new HashSet<>();
    for (String k : current.labels().keySet()) {
      if (NodeLabels.owned(k) && !wanted.containsKey(k)) {
        remove.add(k);
      }
    }
    Optional<Taint> removeTaint = Optional.empty();
    if (ready && startupTaint.isPresent()) {
      removeTaint = current.taints().stream()
          .filter(t -> t.sameKeyAndEffect(startupTaint.get())).findFirst();
    }
    return new NodeUpdate(set, remove, setCapacity, removeTaint, removeCapacity);
  }
}
