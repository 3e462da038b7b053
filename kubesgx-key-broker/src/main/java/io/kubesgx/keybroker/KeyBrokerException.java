package io.kubesgx.keybroker;

import java.util.Objects;

/**
 * A key-broker operation failed; {@link #reason()} says why and fixes the HTTP status and Key Vault
 * error code the REST API answers with (the mapping lives in {@link Reason} only).
 */
public final class KeyBrokerException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an operation failed, with its HTTP status and Key Vault error code. */
  public enum Reason {
    /** The request is malformed or names an unsupported value. */
    BAD_PARAMETER(400, "BadParameter"),
    /** The release policy is not valid SKR grammar. */
    BAD_POLICY(400, "BadParameter"),
    /** The caller sent no valid bearer token. */
    UNAUTHORIZED(401, "Unauthorized"),
    /** The caller's token does not authorise this operation. */
    FORBIDDEN(403, "Forbidden"),
    /** The target attestation token was not accepted (signature, issuer, lifetime). */
    TARGET_REJECTED(403, "Forbidden"),
    /** The release policy is not satisfied by the target token's claims. */
    POLICY_NOT_SATISFIED(403, "Forbidden"),
    /** The key is disabled, not yet valid, expired or not exportable. */
    KEY_NOT_RELEASABLE(403, "Forbidden"),
    /** No such key or version. */
    NOT_FOUND(404, "KeyNotFound"),
    /** The request conflicts with the key's state (immutable policy, exportable change). */
    CONFLICT(400, "BadParameter"),
    /** The broker is overloaded; retry later. */
    OVERLOADED(429, "Throttled"),
    /** The storage failed; nothing was changed. */
    STORAGE(503, "ServiceUnavailable"),
    /** A service the broker needs for this request (the Kubernetes issuer's keys) cannot be reached; retry later. */
    UNAVAILABLE(503, "ServiceUnavailable");

    private final int httpStatus;
    private final String code;

    Reason(int httpStatus, String code) {
      this.httpStatus = httpStatus;
      this.code = code;
    }

    /** Returns the HTTP status this reason is answered with. */
    public int httpStatus() {
      return httpStatus;
    }

    /** Returns the Key Vault {@code error.code}. */
    public String code() {
      return code;
    }
  }

  private final Reason reason;
  private final String callerDetail;

  /** Creates an exception whose message is shown to every caller. */
  public KeyBrokerException(Reason reason, String message) {
    this(reason, message, message);
  }

  /**
   * Creates an exception with a full message (administrators, audit log) and a reduced one for
   * callers that are not administrators.
   */
  public KeyBrokerException(Reason reason, String message, String callerDetail) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.callerDetail = Objects.requireNonNull(callerDetail, "callerDetail");
  }

  /** Creates an exception with a cause. */
  public KeyBrokerException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.callerDetail = message;
  }

  /** Returns why the operation failed. */
  public Reason reason() {
    return reason;
  }

  /** Returns the message for callers that are not administrators. */
  public String callerDetail() {
    return callerDetail;
  }
}
