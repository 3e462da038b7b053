package io.kubesgx.collateralservice;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The state of one collateral key for health endpoints and diagnostics.
 *
 * @param key the collateral key
 * @param source where the cached set came from (NETWORK, DISK or BUNDLE); empty when none is cached
 * @param lastSuccess when the PCS last delivered a set for this key (in this process)
 * @param lastErrorAt when the last failure happened
 * @param lastError the last failure's reason and message; cleared by the next success
 * @param nextUpdate the cached set's earliest {@code nextUpdate}; empty when none is cached
 * @param stale true when the cached set is past {@code nextUpdate}
 * @param expired true when the cached set is past {@code nextUpdate + maxStale} (it is no longer
 *     served) or nothing is cached
 */
public record FmspcHealth(
    CollateralKey key,
    Optional<CollateralResult.Source> source,
    Optional<Instant> lastSuccess,
    Optional<Instant> lastErrorAt,
    Optional<String> lastError,
    Optional<Instant> nextUpdate,
    boolean stale,
    boolean expired) {

  /** Checks for nulls. */
  public FmspcHealth {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(lastErrorAt, "lastErrorAt");
    Objects.requireNonNull(lastError, "lastError");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
  }
}
