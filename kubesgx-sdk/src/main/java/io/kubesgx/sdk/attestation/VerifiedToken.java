package io.kubesgx.sdk.attestation;

import com.nimbusds.jwt.JWTClaimsSet;

/**
 * A token whose signature, issuer, lifetime and (when asked) nonce {@link TokenVerifier} checked;
 * only the verifier creates one.
 */
public final class VerifiedToken {
  private final String raw;
  private final String algorithm;
  private final String keyId;
  private final JWTClaimsSet claims;

  VerifiedToken(String raw, String algorithm, String keyId, JWTClaimsSet claims) { // package-private on purpose
    this.raw = raw;
    this.algorithm = algorithm;
    this.keyId = keyId;
    this.claims = claims;
  }

  /** Returns the compact JWT text. */
  public String raw() {
    return raw;
  }

  /** Returns the signature algorithm, {@code RS256} or {@code ES256}. */
  public String algorithm() {
    return algorithm;
  }

  /** Returns the {@code kid} of the issuer key that signed the token, or null when the header had none. */
  public String keyId() {
    return keyId;
  }

  /** Returns the verified claims. */
  public JWTClaimsSet claims() {
    return claims;
  }

  @Override
  public String toString() {
    return "VerifiedToken[alg=" + algorithm + ", kid=" + keyId + ", iss=" + claims.getIssuer() + ", exp="
        + claims.getExpirationTime().toInstant() + "]";
  }
}
