package io.kubesgx.collateralservice;

import java.util.Optional;

/**
 * The PCS {@code update} parameter: which TCB recovery stream to follow (dcap-verification.md
 * §4.1; Intel QCNL calls it {@code tcb_update_type}).
 */
public enum UpdateType {
  /** {@code update=standard}: TCB recoveries take effect on Intel's standard schedule (default). */
  STANDARD("standard"),
  /** {@code update=early}: TCB recoveries take effect as soon as Intel publishes them. */
  EARLY("early");

  private final String parameter;

  UpdateType(String parameter) {
    this.parameter = parameter;
  }

  /** Returns the query-parameter value, {@code standard} or {@code early}. */
  public String parameter() {
    return parameter;
  }

  /** Returns the update type for a query-parameter value (exact, lower case), or empty. */
  public static Optional<UpdateType> fromParameter(String value) {
    for (UpdateType u : values()) {
      if (u.parameter.equals(value)) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }
}
