package io.kubesgx.http;

import java.util.Locale;

/** Why {@link BoundedHttp} refused a connection or a request, and what the client is told. */
public enum Refusal {
  /** More than {@link HttpLimits#maxConnections()} connections: closed at once, nothing is answered. */
  CONNECTION_LIMIT(0, false),
  /** No complete request head within {@link HttpLimits#headerDeadline()} of the connection's start: closed. */
  HEADER_DEADLINE(0, false),
  /** The declared or received body is larger than {@link HttpLimits#maxBodyBytes()}: 413, then closed. */
  BODY_TOO_LARGE(413, false),
  /** The body does not fit in what is left of {@link HttpLimits#bodyBudgetBytes()}: 503 with Retry-After, then closed. */
  BODY_BUDGET(503, true),
  /** The body was not complete within {@link HttpLimits#requestDeadline()}: 408, then closed. */
  BODY_DEADLINE(408, false),
  /** The body arrived but no answer was written within {@link HttpLimits#requestDeadline()}: 503, then closed. */
  RESPONSE_DEADLINE(503, true);

  private final int status;
  private final boolean retryAfter;

  Refusal(int status, boolean retryAfter) {
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** Returns the HTTP status answered, or 0 when the connection is closed without an answer. */
  public int status() {
    return status;
  }

  /** Returns true when the answer should carry {@code Retry-After} (the condition is temporary). */
  public boolean retryAfter() {
    return retryAfter;
  }

  /** Returns the lower-case name used as a metric label, e.g. {@code body_budget}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
