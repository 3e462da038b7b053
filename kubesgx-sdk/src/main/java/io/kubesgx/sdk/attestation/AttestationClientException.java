package io.kubesgx.sdk.attestation;

/**
 * The attestation service could not be reached or refused the request; {@link #httpStatus()} and
 * {@link #code()} carry the service's answer when there was one.
 */
public final class AttestationClientException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final String code;

  /** Creates an exception; {@code httpStatus} is 0 when no HTTP response arrived, {@code code} empty when the service gave none. */
  public AttestationClientException(int httpStatus, String code, String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.code = code == null ? "" : code;
  }

  /** Returns the HTTP status of the service's answer, or 0 when none arrived (connection failure). */
  public int httpStatus() {
    return httpStatus;
  }

  /** Returns the service's {@code error.code}, or an empty string when it gave none. */
  public String code() {
    return code;
  }
}
