package io.kubesgx.webhook.rules;

import io.kubesgx.common.sgx.EpcResource;
import java.util.Objects;

/**
 * Configuration of the pod rules.
 *
 * @param canonical the cluster's canonical EPC resource (same as the node agent's)
 * @param capacity source of the largest node's EPC for the size check
 */
public record RulesConfig(EpcResource canonical, NodeEpcCapacity capacity) {
  /** Validates the fields. */
  public RulesConfig {
    Objects.requireNonNull(canonical, "canonical");
    Objects.requireNonNull(capacity, "capacity");
  }
}
