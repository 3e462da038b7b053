package io.kubesgx.attestation;

import java.util.Objects;

/**
 * A request that cannot be answered with a token: an HTTP status, a stable error code and a
 * message that says what to fix. Rendered as MAA's error body {@code {"error":{"code","message"}}}.
 */
public final class ApiError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String detailCode;

  /** Creates an error with an HTTP status, a stable code and a message. */
  public ApiError(int status, String code, String message) {
    this(status, code, null, message, null);
  }

  /**
   * Creates an error with a finer-grained detail code (for example the verifier's reason).
   *
   * @param detailCode a second stable code, or null
   */
  public ApiError(int status, String code, String detailCode, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = Objects.requireNonNull(code, "code");
    this.detailCode = detailCode;
  }

  /** Returns the HTTP status. */
  public int status() {
    return status;
  }

  /** Returns the stable error code, such as {@code InvalidQuote}. */
  public String code() {
    return code;
  }

  /** Returns the detail code (for example {@code TCB_INFO_EXPIRED}), or null. */
  public String detailCode() {
    return detailCode;
  }

  /** A 400 for malformed input. */
  public static ApiError badRequest(String code, String message) {
    return new ApiError(400, code, message);
  }
}
