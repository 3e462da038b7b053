package io.kubesgx.aesm;

import java.util.Objects;

/**
 * An AESM call failed: the service was not reachable, did not answer in time, answered something
 * that is not an AESM response, or answered with a non-zero {@code errorCode}.
 */
public final class AesmException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which part of the call failed. */
  public enum Kind {
    /** No server on the socket (file missing, connection refused). Retrying later may help. */
    UNAVAILABLE,
    /** The call did not finish within its timeout. */
    TIMEOUT,
    /** The connection closed without an answer, or the answer was not a valid AESM response. */
    PROTOCOL,
    /** The service answered with a non-zero AESM error code; see {@link #code()}. */
    ERROR_CODE
  }

  private final Kind kind;
  private final long code;

  private AesmException(Kind kind, long code, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind);
    this.code = code;
  }

  /** Creates an exception for an answer carrying {@code errorCode}. */
  public static AesmException errorCode(String call, long errorCode) {
    AesmErrorCode c = AesmErrorCode.of(errorCode);
    return new AesmException(
        Kind.ERROR_CODE, errorCode, call + " failed with AESM error " + errorCode + " (" + c.intelName() + ")", null);
  }

  /** Creates an exception of a kind other than {@link Kind#ERROR_CODE}. */
  public static AesmException of(Kind kind, String message, Throwable cause) {
    if (kind == Kind.ERROR_CODE) {
      throw new IllegalArgumentException("use errorCode()");
    }
    return new AesmException(kind, -1, message, cause);
  }

  /** Returns which part of the call failed. */
  public Kind kind() {
    return kind;
  }

  /** Returns the AESM error code, or {@code -1} unless {@link #kind()} is {@link Kind#ERROR_CODE}. */
  public long code() {
    return code;
  }

  /** Returns the named error code ({@link AesmErrorCode#UNKNOWN} for unknown values and other kinds). */
  public AesmErrorCode errorCode() {
    return AesmErrorCode.of(code);
  }
}
