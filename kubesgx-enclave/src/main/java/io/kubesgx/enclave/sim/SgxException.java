package io.kubesgx.enclave.sim;

import java.util.Objects;

/** A simulated SGX instruction failed; {@link #status()} says how, the message says what to fix. */
public final class SgxException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The failure, named after the SGX error codes of EINIT and EGETKEY. */
  public enum Status {
    /** EINIT: the SIGSTRUCT signature, exponent or Q1/Q2 is invalid. */
    INVALID_SIGNATURE,
    /** EINIT: the measured MRENCLAVE differs from SIGSTRUCT.ENCLAVEHASH. */
    INVALID_MEASUREMENT,
    /** EINIT: SECS attributes or MISCSELECT do not satisfy the SIGSTRUCT; EGETKEY: a required attribute is missing. */
    INVALID_ATTRIBUTE,
    /** EGETKEY: the requested ISVSVN or CONFIGSVN is above the enclave's. */
    INVALID_ISVSVN,
    /** EGETKEY: the requested CPUSVN is not available on this CPU. */
    INVALID_CPUSVN,
    /** EGETKEY: the KEYNAME is unknown or not simulated. */
    INVALID_KEYNAME,
    /** The instruction faults (#GP): malformed request, reserved bits, KSS-only fields without KSS. */
    GENERAL_PROTECTION
  }

  private final Status status;

  /** Creates an exception with a status and a message that says what to fix. */
  public SgxException(Status status, String message) {
    super(status + ": " + message);
    this.status = Objects.requireNonNull(status, "status");
  }

  /** Returns the failure status. */
  public Status status() {
    return status;
  }
}
