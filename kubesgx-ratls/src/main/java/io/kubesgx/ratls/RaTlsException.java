package io.kubesgx.ratls;

import java.util.Objects;
import java.util.Optional;

/**
 * An RA-TLS certificate could not be issued or did not verify. {@link #step()} names the step that
 * failed (Gramine's {@code AT_*} numbering, plus {@link Step#ISSUE}), {@link #reason()} says why, and
 * the message is one line that says what to change.
 */
public final class RaTlsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The step that failed, in Gramine's order ({@code AT_INIT=1} .. {@code AT_VERIFY_ENCLAVE_MEASUREMENTS=5}). */
  public enum Step {
    /** Configuration (policy, environment variables) is wrong; Gramine's {@code AT_INIT}. */
    INIT(1),
    /** The evidence could not be extracted or is not bound to the certificate key; {@code AT_EXTRACT_QUOTE}. */
    EXTRACT_QUOTE(2),
    /** The quote did not verify (signatures, chains, CRLs, collateral, TCB); {@code AT_VERIFY_EXTERNAL}. */
    VERIFY_EXTERNAL(3),
    /** The enclave attributes or TCB status are not acceptable; {@code AT_VERIFY_ENCLAVE_ATTRS}. */
    VERIFY_ENCLAVE_ATTRS(4),
    /** MRENCLAVE, MRSIGNER, ISVPRODID or ISVSVN do not match the policy; {@code AT_VERIFY_ENCLAVE_MEASUREMENTS}. */
    VERIFY_ENCLAVE_MEASUREMENTS(5),
    /** Issuing a certificate failed (no Gramine counterpart). */
    ISSUE(0);

    private final int gramineCode;

    Step(int gramineCode) {
      this.gramineCode = gramineCode;
    }

    /** Returns Gramine's {@code AT_*} number of this step, or 0 for {@link #ISSUE}. */
    public int gramineCode() {
      return gramineCode;
    }
  }

  /** Why the step failed. */
  public enum Reason {
    /** The configuration or an environment variable is missing or malformed. */
    BAD_CONFIGURATION,
    /** The bytes are not an X.509 certificate. */
    MALFORMED_CERTIFICATE,
    /** The certificate carries neither RA-TLS extension. */
    NO_EVIDENCE,
    /** An RA-TLS extension is malformed (size, CBOR structure, quote format). */
    MALFORMED_EVIDENCE,
    /** The certificate key is not an EC P-384 or P-256 key. */
    UNSUPPORTED_KEY,
    /** The quote's REPORTDATA or the pubkey-hash claim does not match the certificate key. */
    KEY_NOT_BOUND,
    /** Quote verification failed; see {@link #quoteReason()}. */
    QUOTE_REJECTED,
    /** No collateral could be had for the quote now. */
    COLLATERAL_UNAVAILABLE,
    /** The TCB status is not accepted by the policy. */
    TCB_STATUS_NOT_ALLOWED,
    /** The enclave is a debug enclave and the policy does not allow debug enclaves. */
    DEBUG_ENCLAVE,
    /** The enclave attributes are not those of a 64-bit, initialised application enclave without provisioning or launch key access. */
    BAD_ENCLAVE_ATTRIBUTES,
    /** MRENCLAVE is not in the allow-list. */
    MRENCLAVE_MISMATCH,
    /** MRSIGNER is not in the allow-list. */
    MRSIGNER_MISMATCH,
    /** ISVPRODID differs from the required one. */
    PRODUCT_ID_MISMATCH,
    /** ISVSVN is below the required minimum. */
    SVN_TOO_LOW,
    /** The quote provider could not produce a quote. */
    QUOTE_UNAVAILABLE,
    /** Key generation or certificate construction failed in the crypto provider. */
    ISSUE_FAILED
  }

  private final Step step;
  private final Reason reason;
  private final io.kubesgx.verifier.Reason quoteReason;

  /** Creates an exception for {@code step} with a one-line message that says what to change. */
  public RaTlsException(Step step, Reason reason, String message) {
    this(step, reason, null, message, null);
  }

  /** Creates an exception with a cause (never shown to users; the message stands alone). */
  public RaTlsException(Step step, Reason reason, String message, Throwable cause) {
    this(step, reason, null, message, cause);
  }

  /** Creates a {@link Step#VERIFY_EXTERNAL} / {@link Reason#QUOTE_REJECTED} exception carrying the verifier's reason. */
  static RaTlsException quoteRejected(io.kubesgx.verifier.Reason quoteReason, String detail, Throwable cause) {
    return new RaTlsException(Step.VERIFY_EXTERNAL, Reason.QUOTE_REJECTED, Objects.requireNonNull(quoteReason),
        "the quote did not verify (" + quoteReason + "): " + detail + "; " + quoteReason.hint(), cause);
  }

  private RaTlsException(Step step, Reason reason, io.kubesgx.verifier.Reason quoteReason, String message, Throwable cause) {
    super(Objects.requireNonNull(step, "step") + ": " + oneLine(Objects.requireNonNull(message, "message")), cause);
    this.step = step;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.quoteReason = quoteReason;
  }

  /**
   * Replaces line breaks and other control characters with spaces: details from lower layers (the
   * quote verifier, the quote provider, a peer's bytes) must not break the one-line message apart or
   * forge log lines.
   */
  private static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? ' ' : c);
    }
    return b.toString();
  }

  /** Returns the step that failed. */
  public Step step() {
    return step;
  }

  /** Returns why it failed. */
  public Reason reason() {
    return reason;
  }

  /** Returns the DCAP verifier's reason when {@link #step()} is {@link Step#VERIFY_EXTERNAL} and the quote was rejected. */
  public Optional<io.kubesgx.verifier.Reason> quoteReason() {
    return Optional.ofNullable(quoteReason);
  }
}
