package io.kubesgx.webhook.certs;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.pod.Quantities;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The largest SGX node's EPC, read from Node objects and cached: {@link #refresh()} lists the
 * nodes (call it periodically off the request path); {@link #largest()} only reads the cache and
 * says the check is skipped while the cache is empty or older than its maximum age.
 */
public final class NodeEpcCache implements NodeEpcCapacity {
  private static final Logger LOG = LoggerFactory.getLogger(NodeEpcCache.class);

  private record Snapshot(Largest largest, Instant at) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration maxAge;
  private volatile Snapshot snapshot;

  /** Creates the cache; entries older than {@code maxAge} are not used. */
  public NodeEpcCache(KubernetesClient client, Clock clock, Duration maxAge) {
    this.client = Objects.requireNonNull(client);
    this.clock = Objects.requireNonNull(clock);
    this.maxAge = Objects.requireNonNull(maxAge);
  }

  /** Lists the nodes and updates the cache; failures keep the previous value and are logged. */
  public void refresh() {
    try {
      long max = 0;
      for (Node n : client.nodes().list().getItems()) {
        max = Math.max(max, epcBytes(n));
      }
      Largest l = max > 0 ? new Largest(OptionalLong.of(max), Optional.empty())
          : new Largest(OptionalLong.empty(),
              Optional.of("no node advertises EPC yet (a pool scaling from zero?)"));
      snapshot = new Snapshot(l, clock.instant());
    } catch (RuntimeException e) {
      LOG.warn("cannot list nodes for the EPC size check: {}", e.toString());
    }
  }

  /** EPC of a node under either name, in bytes. */
  static long epcBytes(Node n) {
    if (n.getStatus() == null) {
      return 0;
    }
    Map<String, Quantity> cap = n.getStatus().getAllocatable() != null
        && !n.getStatus().getAllocatable().isEmpty() ? n.getStatus().getAllocatable()
        : n.getStatus().getCapacity();
    if (cap == null) {
      return 0;
    }
    long best = 0;
    for (EpcResource r : EpcResource.values()) {
      Quantity q = cap.get(r.resourceName());
      if (q == null) {
        continue;
      }
      Optional<BigDecimal> v = Quantities.parse(q.toString());
      if (v.isPresent() && v.get().signum() > 0 && v.get().compareTo(
          BigDecimal.valueOf(Long.MAX_VALUE / r.unitBytes())) < 0) {
        best = Math.max(best, v.get().longValue() * r.unitBytes());
      }
    }
    return best;
  }

  @Override
  public Largest largest() {
    Snapshot s = snapshot;
    if (s == null) {
      return new Largest(OptionalLong.empty(), Optional.of("node EPC sizes not read yet"));
    }
    if (Duration.between(s.at(), clock.instant()).compareTo(maxAge) > 0) {
      return new Largest(OptionalLong.empty(),
          Optional.of("node EPC sizes are stale (the API server was not reachable)"));
    }
    return s.largest();
  }
}
