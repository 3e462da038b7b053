package io.kubesgx.collateralservice;

import io.kubesgx.collateral.Collateral;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Collateral returned by {@link CollateralService} together with where it came from and how fresh
 * it is.
 *
 * <p>Repeated memory hits return the same {@link Collateral} instance (and, while fresh, the same
 * result instance), so caches keyed by identity keep working.
 *
 * @param collateral the parsed, unverified collateral set
 * @param key the key it was fetched for
 * @param source where this call obtained it
 * @param fetchedAt when the collateral was fetched from the PCS (or, for bundle entries without a
 *     fetch time, when it was imported)
 * @param nextUpdate the earliest {@code nextUpdate} of TCB info, QE identity and both CRLs
 * @param stale true when served after {@code nextUpdate} because no fresh set could be obtained
 * @param warning why stale collateral was served, naming the PCS failure; empty when fresh
 */
public record CollateralResult(
    Collateral collateral,
    CollateralKey key,
    Source source,
    Instant fetchedAt,
    Instant nextUpdate,
    boolean stale,
    Optional<String> warning) {

  /** Where a result was obtained. */
  public enum Source {
    /** Fetched from the PCS/PCCS during this call (or a concurrent call's shared fetch). */
    NETWORK,
    /** Served from the in-memory cache. */
    MEMORY,
    /** Loaded from the on-disk cache (first use after a restart). */
    DISK,
    /** From an imported offline bundle, not refreshed from the network since. */
    BUNDLE
  }

  /** Checks for nulls. */
  public CollateralResult {
    Objects.requireNonNull(collateral, "collateral");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(fetchedAt, "fetchedAt");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    Objects.requireNonNull(warning, "warning");
  }
}
