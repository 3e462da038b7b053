package io.kubesgx.keybroker.store;

import java.util.Objects;

/** A storage operation failed; {@link #reason()} says why. */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a storage operation failed. */
  public enum Reason {
    /** The database could not be reached or answered an error; nothing was changed. */
    UNAVAILABLE,
    /** A stored record does not open with the key-encryption key (wrong KEK, or the row was altered). */
    TAMPERED,
    /** A concurrent writer won; the caller may retry. */
    CONFLICT,
    /** A stored record is wrapped by a key-encryption key that is not in the broker's KEK ring. */
    UNKNOWN_KEK
  }

  private final Reason reason;

  /** Creates an exception. */
  public StoreException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns why the operation failed. */
  public Reason reason() {
    return reason;
  }
}
