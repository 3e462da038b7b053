package io.kubesgx.sdk.attestation;

import java.security.GeneralSecurityException;
import java.util.Objects;

/** A token was not accepted; {@link #reason()} says which check failed. */
public final class TokenVerificationException extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  /** Which check failed. */
  public enum Reason {
    /** The text is not a compact JWS, or its claims are not a JSON object. */
    MALFORMED,
    /** The token is unsigned ({@code alg: none}), as draft-policy tokens are. */
    UNSIGNED,
    /** The algorithm is neither RS256 nor ES256, or the issuer's metadata does not list it. */
    ALGORITHM_NOT_ALLOWED,
    /** No key of the issuer's JWKS matches the token's {@code kid} and algorithm, even after a refetch. */
    UNKNOWN_KEY,
    /** The signature does not verify (deliberately without detail). */
    BAD_SIGNATURE,
    /** The {@code iss} claim is not the configured issuer. */
    WRONG_ISSUER,
    /** The token has no {@code exp}, or {@code exp} has passed (beyond the clock skew). */
    EXPIRED,
    /** {@code nbf} is still in the future (beyond the clock skew). */
    NOT_YET_VALID,
    /** The {@code nonce} claim is missing or differs from the expected one. */
    NONCE_MISMATCH,
    /** The issuer's OpenID metadata or JWKS could not be fetched, or the metadata names another issuer. */
    METADATA_UNAVAILABLE
  }

  private final Reason reason;

  /** Creates an exception with a reason and a message. */
  public TokenVerificationException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Creates an exception with a cause. */
  public TokenVerificationException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Returns which check failed. */
  public Reason reason() {
    return reason;
  }
}
