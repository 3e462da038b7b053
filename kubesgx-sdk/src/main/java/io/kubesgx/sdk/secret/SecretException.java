package io.kubesgx.sdk.secret;

import java.util.List;
import java.util.Objects;

/**
 * Getting a key or secret from a key broker failed; {@link #reason()} says which kind of failure it
 * was, {@link #httpStatus()} carries the broker's status when there was an answer, and {@link
 * #failedClaims()} names the claims a release policy found wanting.
 */
public final class SecretException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Kinds of failure. */
  public enum Reason {
    /** No quote could be obtained (quote provider unavailable or refusing). */
    QUOTE_FAILED,
    /** The attestation service refused the quote or could not be reached. */
    ATTESTATION_FAILED,
    /** The broker did not accept the caller's credential (HTTP 401, or a KBS session that failed). */
    UNAUTHORIZED,
    /** The broker refused the caller or the attestation (HTTP 403 other than a policy denial). */
    FORBIDDEN,
    /** The release policy is not satisfied; {@link #failedClaims()} names the claims. */
    DENIED,
    /** The key, version or resource does not exist (HTTP 404). */
    NOT_FOUND,
    /** The broker rejected the request as malformed (HTTP 400). */
    BAD_REQUEST,
    /** The broker is overloaded or unavailable (HTTP 429, 503); try again later. */
    UNAVAILABLE,
    /** The broker could not be reached, did not answer in time, or sent more than allowed. */
    TRANSPORT,
    /**
     * The answer is malformed, is not signed by a trusted signer, or is for another key; it must
     * not be used.
     */
    BAD_RESPONSE,
    /** The released key or secret does not decrypt with the enclave's transfer key. */
    UNWRAP_FAILED
  }

  private final Reason reason;
  private final int httpStatus;
  private final List<String> failedClaims;

  /** Creates an exception with no HTTP status and no failed claims. */
  public SecretException(Reason reason, String message, Throwable cause) {
    this(reason, 0, List.of(), message, cause);
  }

  /** Creates an exception with the broker's HTTP status (0 when none) and the claims a policy found wanting. */
  public SecretException(Reason reason, int httpStatus, List<String> failedClaims, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.httpStatus = httpStatus;
    this.failedClaims = List.copyOf(failedClaims);
  }

  /** Returns the kind of failure. */
  public Reason reason() {
    return reason;
  }

  /** Returns the broker's HTTP status, or 0 when no answer arrived or the failure was local. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Returns the names of the claims whose release-policy conditions failed (empty unless {@link Reason#DENIED}). */
  public List<String> failedClaims() {
    return failedClaims;
  }
}
