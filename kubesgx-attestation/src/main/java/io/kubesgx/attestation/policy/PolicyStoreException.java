package io.kubesgx.attestation.policy;

import java.io.IOException;
import java.util.Objects;

/** A policy store operation that failed; the {@link Reason} says whether retrying can help. */
public final class PolicyStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a store operation failed. */
  public enum Reason {
    /** The database cannot be reached or refused the operation; retrying may help. */
    UNAVAILABLE,
    /**
     * The signed document is not newer than the newest signed document already accepted for the
     * attestation type (a replay or a rollback); retrying the same document never helps.
     */
    NOT_NEWER
  }

  private final Reason reason;

  /** Creates an exception with a reason, a message that says what to do, and an optional cause. */
  public PolicyStoreException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns the reason. */
  public Reason reason() {
    return reason;
  }
}
