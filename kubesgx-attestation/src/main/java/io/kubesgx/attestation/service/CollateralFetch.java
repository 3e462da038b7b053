package io.kubesgx.attestation.service;

import io.kubesgx.collateral.Collateral;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Collateral for one quote, with its freshness.
 *
 * @param collateral the collateral (the same instance for repeated hits, which keeps the verifier's cache warm)
 * @param stale true when served past its refresh time because the PCS could not be reached
 * @param warning why it is stale
 * @param nextUpdate when it should have been refreshed
 */
public record CollateralFetch(Collateral collateral, boolean stale, Optional<String> warning, Instant nextUpdate) {
  /** Checks for nulls. */
  public CollateralFetch {
    Objects.requireNonNull(collateral, "collateral");
    Objects.requireNonNull(warning, "warning");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
  }
}
