package io.kubesgx.nodeagent.registration;

import java.util.Map;
import java.util.Optional;

/** The few Node calls the agent makes; the seam for a real-cluster test. */
public interface NodeApi {
  /** Reads the node, or empty if it does not exist. */
  Optional<NodeState> get(String node);

  /** Sets labels (value) and removes them (null value) with a JSON merge patch. */
  void patchLabels(String node, Map<String, String> setOrRemove);

  /** Writes {@code status.capacity["sgx.intel.com/epc"]} through the status subresource. */
  void setEpcCapacity(String node, long bytes);

  /**
   * Removes one taint with a JSON Patch that first tests the taint list is still {@code current},
   * so a concurrent change makes the call fail instead of being overwritten.
   */
  void removeTaint(String node, NodeState current, Taint taint);

  /** Removes {@code status.capacity["sgx.intel.com/epc"]} (per-MiB clusters account EPC once). */
  default void removeEpcCapacity(String node) {
    throw new UnsupportedOperationException("removeEpcCapacity");
  }

  /**
   * Sets the node condition {@code KubesgxEpcAdvertised} (status subresource), so operators see in
   * {@code kubectl describe node} whether every MiB of EPC is schedulable.
   *
   * @param advertised whether all EPC is advertised
   * @param reason a CamelCase reason
   * @param message what is advertised and, if not all, why and what to change
   */
  default void setEpcCondition(String node, boolean advertised, String reason, String message) {
    throw new UnsupportedOperationException("setEpcCondition");
  }
}
