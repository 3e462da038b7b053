package io.kubesgx.nodeagent.registration;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The decision for one reconciliation of the Node object; empty parts mean "no change".
 *
 * @param setLabels labels to add or change
 * @param removeLabels labels (owned by the agent) to remove
 * @param epcCapacityBytes new {@code sgx.intel.com/epc} capacity
 * @param removeTaint the startup taint to remove
 * @param removeEpcCapacity remove {@code sgx.intel.com/epc} capacity (the cluster accounts EPC
 *     per MiB, so the byte capacity would count it twice)
 */
public record NodeUpdate(
    Map<String, String> setLabels,
    Set<String> removeLabels,
    OptionalLong epcCapacityBytes,
    Optional<Taint> removeTaint,
    boolean removeEpcCapacity) {
  /** An update that leaves the EPC byte capacity alone. */
  public NodeUpdate(Map<String, String> setLabels, Set<String> removeLabels,
      OptionalLong epcCapacityBytes, Optional<Taint> removeTaint) {
    this(setLabels, removeLabels, epcCapacityBytes, removeTaint, false);
  }

  /** Copies the collections. */
  public NodeUpdate {
    setLabels = Map.copyOf(setLabels);
    removeLabels = Set.copyOf(removeLabels);
  }

  /** Returns whether nothing needs to change. */
  public boolean isEmpty() {
    return setLabels.isEmpty() && removeLabels.isEmpty() && epcCapacityBytes.isEmpty()
        && removeTaint.isEmpty() && !removeEpcCapacity;
  }
}
