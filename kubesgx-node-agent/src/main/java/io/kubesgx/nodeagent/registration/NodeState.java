package io.kubesgx.nodeagent.registration;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a Node object the agent reads.
 *
 * @param labels metadata labels
 * @param epcCapacity {@code status.capacity["sgx.intel.com/epc"]} as written, if present
 * @param taints spec taints in order
 */
public record NodeState(Map<String, String> labels, Optional<String> epcCapacity, List<Taint> taints) {
  /** Copies the collections. */
  public NodeState {
    labels = Map.copyOf(labels);
    taints = List.copyOf(taints);
  }
}
