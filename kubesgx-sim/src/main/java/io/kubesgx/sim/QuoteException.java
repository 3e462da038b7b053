package io.kubesgx.sim;

import java.util.Objects;

/** The simulated quoting enclave refused to quote; {@link #reason()} says why. */
public final class QuoteException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a quote was refused. */
  public enum Reason {
    /** The REPORT's MAC does not verify: it was not made on this platform for this QE's TARGETINFO. */
    INVALID_REPORT,
    /** The REPORT is not 432 bytes or its fields are malformed. */
    MALFORMED_REPORT,
    /** The requested quote version is not 3 or 4. */
    UNSUPPORTED_VERSION
  }

  private final Reason reason;

  /** Creates an exception for {@code reason} with a message that says what to fix. */
  public QuoteException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason);
  }

  /** Returns the reason. */
  public Reason reason() {
    return reason;
  }
}
