package io.kubesgx.status;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One kubesgx Deployment or DaemonSet.
 *
 * @param component which component it is
 * @param name object name
 * @param desired desired replicas (Deployment {@code spec.replicas}, DaemonSet {@code desiredNumberScheduled})
 * @param ready ready replicas ({@code readyReplicas} / {@code numberReady})
 * @param podNodes nodes where one of its pods runs (not terminated)
 */
public record Workload(Component component, String name, int desired, int ready, Set<String> podNodes) {
  /** Copies the set and checks the values. */
  public Workload {
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(name, "name");
    podNodes = Set.copyOf(podNodes);
    if (desired < 0 || ready < 0) {
      throw new IllegalArgumentException("negative replica count on " + name);
    }
  }

  /** A workload with no pod list. */
  public static Workload of(Component component, String name, int desired, int ready) {
    return new Workload(component, name, desired, ready, Set.of());
  }

  /** Sorts workloads by component, then name. */
  public static List<Workload> sorted(List<Workload> l) {
    return l.stream().sorted(java.util.Comparator.comparing(Workload::component).thenComparing(Workload::name)).toList();
  }
}
