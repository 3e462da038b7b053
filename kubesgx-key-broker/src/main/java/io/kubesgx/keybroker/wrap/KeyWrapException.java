package io.kubesgx.keybroker.wrap;

import java.security.GeneralSecurityException;
import java.util.Objects;

/** A wrap or unwrap failed; {@link #reason()} says why. */
public final class KeyWrapException extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  /** Why a wrap or unwrap failed. */
  public enum Reason {
    /** The transfer key is not usable (not RSA, too small, or no suitable key in the token). */
    BAD_TRANSFER_KEY,
    /** The blob does not unwrap with this key and {@code enc} (deliberately without detail). */
    UNWRAP_FAILED,
    /** The key material is empty or too large. */
    BAD_KEY_MATERIAL
  }

  private final Reason reason;

  /** Creates an exception. */
  public KeyWrapException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns why the operation failed. */
  public Reason reason() {
    return reason;
  }
}
