package io.kubesgx.status;

import java.util.Objects;

/** Why {@code kubesgx status} could not read the cluster at all (the CLI prints the message as one line, exit 2). */
public final class StatusException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Reason {
    /** The kubeconfig file or context is missing or unusable. */
    KUBECONFIG,
    /** The API server cannot be reached (refused, timed out, TLS failure). */
    API_UNREACHABLE,
    /** The API server refused the credentials or the request (401/403). */
    API_FORBIDDEN,
    /** The API server answered something else unexpected. */
    API_ERROR,
    /** The namespace does not exist. */
    NAMESPACE_NOT_FOUND
  }

  private final Reason reason;

  /** Creates an exception whose message says what to change. */
  public StatusException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(message), cause);
    this.reason = Objects.requireNonNull(reason);
  }

  /** The reason. */
  public Reason reason() {
    return reason;
  }
}
