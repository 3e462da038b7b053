package io.kubesgx.status;

import java.util.Objects;

/**
 * One thing an operator should fix.
 *
 * @param kind what is wrong, a stable identifier (see {@link Kind})
 * @param pool the node pool it concerns, or empty
 * @param subject the node, workload or FMSPC it concerns, or empty
 * @param message one line saying what is wrong and, where known, what to do
 */
public record Problem(Kind kind, String pool, String subject, String message) {
  /** Stable problem identifiers; their JSON spelling is the lower-case name with dashes. */
  public enum Kind {
    /** No node agent DaemonSet in the namespace. */
    NOT_INSTALLED,
    /** A workload has fewer ready replicas than desired. */
    NOT_READY,
    /** The node agent's {@code KubesgxEpcAdvertised} condition is False or Unknown. */
    EPC_CONDITION,
    /** The node agent's startup taint is still on the node. */
    STARTUP_TAINT,
    /** An SGX node runs no node agent pod. */
    NO_NODE_AGENT,
    /** An SGX node lacks the quote-helper-ready label while the quote helper is installed. */
    QUOTE_HELPER_NOT_READY,
    /** A node advertises EPC under both resource names. */
    EPC_DOUBLE_ADVERTISED,
    /** EPC requests exceed what the pool's nodes offer. */
    EPC_OVERCOMMITTED,
    /** The attestation service's status could not be read. */
    ATTESTATION_UNREADABLE,
    /** A collateral set is stale or expired. */
    COLLATERAL_STALE;

    /** The JSON spelling, e.g. {@code epc-condition}. */
    public String jsonName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** Checks for nulls. */
  public Problem {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(message, "message");
  }
}
