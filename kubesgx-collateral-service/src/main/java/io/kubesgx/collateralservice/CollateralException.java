package io.kubesgx.collateralservice;

import java.util.Objects;

/** Collateral could not be provided; {@link #reason()} says why and the message says what to fix. */
public final class CollateralException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why collateral could not be provided. */
  public enum Reason {
    /** The quote's certification data (the PCK certificate chain) cannot be parsed. */
    MALFORMED_QUOTE,
    /** The quote identifies its platform by PPID only (certification data type 1 to 3). */
    NO_PCK_CERTIFICATE,
    /** The PCS answered 404 for the TCB info: it does not know this FMSPC. */
    UNKNOWN_FMSPC,
    /** The PCS could not be reached (connection refused, DNS, TLS, timeout). */
    PCS_UNREACHABLE,
    /** The PCS answered with an error status other than 404 for TCB info and 429. */
    PCS_ERROR,
    /** The PCS answered 200 but the body or issuer-chain header is unusable. */
    MALFORMED_RESPONSE,
    /** The outbound rate limit is exhausted (ours or the PCS's 429) and nothing usable is cached. */
    RATE_LIMITED,
    /** The service is offline and neither cache nor imported bundles hold this key. */
    OFFLINE_MISS,
    /** The only collateral available is past {@code nextUpdate + maxStale}. */
    EXPIRED,
    /** An offline bundle cannot be read, written or accepted. */
    BUNDLE_INVALID
  }

  private final Reason reason;

  /** Creates an exception with a reason and an actionable message. */
  public CollateralException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Creates an exception with a reason, an actionable message and a cause. */
  public CollateralException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns why collateral could not be provided. */
  public Reason reason() {
    return reason;
  }
}
