package io.kubesgx.sdk;

import java.util.Objects;

/** A quote could not be obtained; {@link #reason()} says which kind of failure it was. */
public final class QuoteProviderException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Kinds of failure. */
  public enum Reason {
    /** The quoting service (AESM socket, Gramine device) is not there or refused the connection. */
    UNAVAILABLE,
    /** The quoting service did not answer in time. */
    TIMEOUT,
    /** The quoting service answered with an error code. */
    REJECTED,
    /** The answer could not be understood (framing, protobuf, sizes). */
    PROTOCOL,
    /** The caller's input was wrong (REPORTDATA size, TARGETINFO). */
    INVALID_INPUT,
    /** No provider fits this environment. */
    NOT_CONFIGURED,
    /** Reading or writing a local file failed. */
    IO
  }

  private final Reason reason;

  /** Creates an exception with a reason and a message that says what to fix. */
  public QuoteProviderException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Creates an exception with a cause. */
  public QuoteProviderException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns the kind of failure. */
  public Reason reason() {
    return reason;
  }
}
