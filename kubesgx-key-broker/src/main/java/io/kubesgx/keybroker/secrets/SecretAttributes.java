package io.kubesgx.keybroker.secrets;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Key Vault secret attributes.
 *
 * @param enabled whether the secret may be released or read at all
 * @param notBefore the secret may not be released before this instant
 * @param expires the secret may not be released at or after this instant
 * @param created when the version was created
 * @param updated when the version was last changed
 */
public record SecretAttributes(
    boolean enabled, Optional<Instant> notBefore, Optional<Instant> expires, Instant created, Instant updated) {
  /** Checks for nulls. */
  public SecretAttributes {
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(updated, "updated");
  }

  /** Returns null when the secret is usable at {@code now}, else why not. */
  public String unusableReason(Instant now) {
    if (!enabled) {
      return "the secret is disabled";
    }
    if (notBefore.isPresent() && now.isBefore(notBefore.get())) {
      return "the secret is not valid before " + notBefore.get();
    }
    if (expires.isPresent() && !now.isBefore(expires.get())) {
      return "the secret expired at " + expires.get();
    }
    return null;
  }
}
