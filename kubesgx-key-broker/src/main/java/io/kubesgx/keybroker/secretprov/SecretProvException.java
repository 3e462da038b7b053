package io.kubesgx.keybroker.secretprov;

import java.util.Locale;
import java.util.Objects;

/**
 * A secret-provisioning attempt (or the listener's start) failed; {@link #reason()} says at which
 * step, and is the {@code outcome} written to the audit log. Messages never contain secret bytes.
 */
public final class SecretProvException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why, in the order of the protocol's steps. */
  public enum Reason {
    /** The listener cannot start as configured (TLS files, tenant, port); the message says what to change. */
    BAD_CONFIGURATION("start"),
    /** The client's RA-TLS certificate did not verify (the RA-TLS step is in the message). */
    RA_TLS_REJECTED("handshake"),
    /** The client did not send exactly the 35-byte request {@code SECRET_PROVISION_RA_TLS_REQUEST_V1\0}. */
    BAD_REQUEST("request"),
    /** The absolute deadline (handshake, verification, request) passed. */
    DEADLINE("request"),
    /** No opted-in, usable secret's release policy is satisfied by the client's claims. */
    NO_MATCHING_SECRET("select"),
    /** More than one opted-in secret's release policy is satisfied; none is sent. */
    AMBIGUOUS("select"),
    /** The chosen secret cannot be sent as stored (empty, not base64 for octet-stream, NUL in a string). */
    UNSENDABLE_SECRET("select"),
    /** The secret store or the audit log is unavailable; nothing is sent. */
    STORE_UNAVAILABLE("select"),
    /** The connection failed while the secret was being sent. */
    CONNECTION_LOST("send");

    private final String step;

    Reason(String step) {
      this.step = step;
    }

    /** Returns the protocol step that failed: {@code start}, {@code handshake}, {@code request}, {@code select} or {@code send}. */
    public String step() {
      return step;
    }

    /** Returns the audit outcome name (lower-case, dashes). */
    public String outcome() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;

  /** Creates the exception; {@code message} is one line saying what happened and what to change. */
  public SecretProvException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Creates the exception with a cause. */
  public SecretProvException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns why. */
  public Reason reason() {
    return reason;
  }
}
