package io.kubesgx.common;

/** The one exception every kubesgx parser throws for structurally invalid untrusted input. */
public final class MalformedInputException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message says what was wrong with the input. */
  public MalformedInputException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the low-level cause. */
  public MalformedInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
