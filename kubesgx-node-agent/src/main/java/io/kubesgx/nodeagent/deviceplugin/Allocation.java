package io.kubesgx.nodeagent.deviceplugin;

import java.util.List;
import java.util.Objects;

/** The decision for one {@code Allocate} call: every container granted, or the whole call refused. */
public sealed interface Allocation {
  /** Every container request is granted, in request order. */
  record Granted(List<ContainerAllocation> containers) implements Allocation {
    /** Copies the list. */
    public Granted {
      containers = List.copyOf(containers);
    }
  }

  /** The whole request is refused; no partial answer is given (kubelet-device-plugin.md §5.6). */
  record Rejected(String reason) implements Allocation {
    /** Validates the reason. */
    public Rejected {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Refuses the request. */
  static Allocation rejected(String reason) {
    return new Rejected(reason);
  }
}
