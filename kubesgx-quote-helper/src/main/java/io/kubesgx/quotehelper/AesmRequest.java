package io.kubesgx.quotehelper;

import io.kubesgx.aesm.proto.AesmMessages.Request;
import java.time.Duration;
import java.util.Objects;

/**
 * One decoded AESM request: the raw frame body (for relaying), the partially parsed message (missing
 * required fields are allowed, as in Intel's service, and answered with {@code AESM_UNEXPECTED_ERROR}
 * by the backend), its type, and the time the server allows for it.
 */
public final class AesmRequest {
  private final byte[] raw;
  private final Request message;
  private final RequestType type;
  private final Duration timeout;

  /** Creates a request; {@code raw} is not copied (the server owns it). */
  public AesmRequest(byte[] raw, Request message, RequestType type, Duration timeout) {
    this.raw = Objects.requireNonNull(raw);
    this.message = Objects.requireNonNull(message);
    this.type = Objects.requireNonNull(type);
    this.timeout = Objects.requireNonNull(timeout);
  }

  /** Returns a copy of the raw frame body. */
  public byte[] raw() {
    return raw.clone();
  }

  /** Returns the partially parsed request. */
  public Request message() {
    return message;
  }

  /** Returns the request type. */
  public RequestType type() {
    return type;
  }

  /**
   * Returns the time the backend may take: the server's limit, or less when the client's
   * {@code timeout} field (milliseconds) asks for less.
   */
  public Duration timeout() {
    return timeout;
  }
}
