package io.kubesgx.verifier;

import java.security.GeneralSecurityException;
import java.util.Objects;

/** The one exception for verification failures; {@link #reason()} says which check failed. */
public final class AttestationException extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;
  private final Reason reason;

  /** Creates an exception for {@code reason} with a message that says what to fix. */
  public AttestationException(Reason reason, String message) {
    super(Objects.requireNonNull(reason) + ": " + message);
    this.reason = reason;
  }

  /** Creates an exception with a cause. */
  public AttestationException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(reason) + ": " + message, cause);
    this.reason = reason;
  }

  /** Returns the failure reason. */
  public Reason reason() {
    return reason;
  }

  /** Returns the message without the reason prefix. */
  public String detail() {
    String m = getMessage();
    String prefix = reason + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }
}
