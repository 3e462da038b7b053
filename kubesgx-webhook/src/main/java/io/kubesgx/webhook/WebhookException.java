package io.kubesgx.webhook;

import java.util.Objects;

/** The one exception of the webhook, with a reason saying which part failed. */
public final class WebhookException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What failed. */
  public enum Reason {
    /** The request body is not an AdmissionReview v1 with a request and a uid. */
    MALFORMED_REVIEW,
    /** A TLS certificate or key file cannot be read or used. */
    BAD_TLS_MATERIAL,
    /** A Kubernetes API call failed. */
    KUBE_API,
    /** The server cannot bind or start. */
    SERVER_START
  }

  private final Reason reason;

  /** Creates the exception. */
  public WebhookException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason);
  }

  /** Creates the exception with a cause. */
  public WebhookException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason);
  }

  /** Returns why it failed. */
  public Reason reason() {
    return reason;
  }
}
