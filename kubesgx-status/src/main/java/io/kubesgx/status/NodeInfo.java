package io.kubesgx.status;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code kubesgx status} needs of one Node.
 *
 * @param name node name
 * @param pool node pool (see {@link #poolOf(java.util.Map)})
 * @param agentSgxLabel the node agent labelled the node {@code kubesgx.io/sgx=true}
 * @param epcIntelBytes allocatable {@code sgx.intel.com/epc} in bytes (0 when not advertised)
 * @param epcAzureMiB allocatable {@code kubernetes.azure.com/sgx_epc_mem_in_MiB} (0 when not advertised)
 * @param quoteHelperReady the node carries {@code kubesgx.io/quote-helper-ready=true}
 * @param epcCondition the node agent's {@code KubesgxEpcAdvertised} condition, if set
 * @param startupTaint the node agent's startup taint is still on the node
 */
public record NodeInfo(
    String name,
    String pool,
    boolean agentSgxLabel,
    long epcIntelBytes,
    long epcAzureMiB,
    boolean quoteHelperReady,
    Optional<Condition> epcCondition,
    boolean startupTaint) {

  /** Pool name when a node has none of the pool labels. */
  public static final String NO_POOL = "(none)";
  /** Pool labels in order of preference. */
  public static final List<String> POOL_LABELS =
      List.of("kubernetes.azure.com/agentpool", "agentpool", "node.kubernetes.io/instance-type");

  /** Checks the values. */
  public NodeInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(epcCondition, "epcCondition");
    if (epcIntelBytes < 0 || epcAzureMiB < 0) {
      throw new IllegalArgumentException("negative EPC on node " + name);
    }
  }

  /**
   * A node condition.
   *
   * @param status {@code True}, {@code False} or {@code Unknown}
   * @param reason the condition's reason (may be empty)
   * @param message the condition's message (may be empty)
   */
  public record Condition(String status, String reason, String message) {
    /** Checks for nulls. */
    public Condition {
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Returns the pool of a node with these labels: the AKS agent pool, else the instance type, else {@link #NO_POOL}. */
  public static String poolOf(java.util.Map<String, String> labels) {
    for (String l : POOL_LABELS) {
      String v = labels.get(l);
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return NO_POOL;
  }

  /** Whether the node advertises EPC under either name, or the node agent found SGX on it. */
  public boolean isSgx() {
    return agentSgxLabel || epcIntelBytes > 0 || epcAzureMiB > 0;
  }
}
