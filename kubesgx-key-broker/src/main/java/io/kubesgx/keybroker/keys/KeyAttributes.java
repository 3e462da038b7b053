package io.kubesgx.keybroker.keys;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Key Vault key attributes.
 *
 * @param enabled whether the key may be used at all
 * @param notBefore the key may not be released before this instant
 * @param expires the key may not be released at or after this instant
 * @param exportable whether the key may be released (then it must have a release policy)
 * @param created when the version was created
 * @param updated when the version was last changed
 */
public record KeyAttributes(
    boolean enabled, Optional<Instant> notBefore, Optional<Instant> expires, boolean exportable, Instant created,
    Instant updated) {
  /** Checks for nulls. */
  public KeyAttributes {
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
  }

  /** Returns null when the key is usable at {@code now}, else why not. */
  public String unusableReason(Instant now) {
    if (!enabled) {
      return "the key is disabled";
    }
    if (notBefore.isPresent() && now.isBefore(notBefore.get())) {
      return "the key is not valid before " + notBefore.get();
    }
    if (expires.isPresent() && !now.isBefore(expires.get())) {
      return "the key expired at " + expires.get();
    }
    return null;
  }
}
