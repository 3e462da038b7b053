package io.kubesgx.sdk.attestation;

import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import java.text.ParseException;
import java.util.Objects;

/**
 * A token as the attestation service returned it, NOT verified: its claims are only parsed. Pass
 * {@link #raw()} to {@link TokenVerifier#verify(String)} before relying on anything in it.
 */
public final class AttestationToken {
  private final String raw;
  private final String algorithm;
  private final JWTClaimsSet unverifiedClaims;

  private AttestationToken(String raw, String algorithm, JWTClaimsSet unverifiedClaims) {
    this.raw = raw;
    this.algorithm = algorithm;
    this.unverifiedClaims = unverifiedClaims;
  }

  /** Parses a compact JWT (signed, or unsigned {@code alg: none}) without checking anything. */
  static AttestationToken parse(String raw) throws ParseException {
    Objects.requireNonNull(raw, "raw");
    JWT jwt = JWTParser.parse(raw);
    if (jwt instanceof EncryptedJWT) {
      throw new ParseException("encrypted tokens are not supported", 0);
    }
    String alg = jwt instanceof PlainJWT ? "none" : jwt.getHeader().getAlgorithm().getName();
    return new AttestationToken(raw, alg, jwt.getJWTClaimsSet());
  }

  /** Returns the compact JWT text. */
  public String raw() {
    return raw;
  }

  /** Returns the header's {@code alg}; {@code none} for the unsigned tokens of draft-policy attestations. */
  public String algorithm() {
    return algorithm;
  }

  /** Returns true when the token is unsigned ({@code alg: none}), as draft-policy tokens are. */
  public boolean isUnsigned() {
    return "none".equals(algorithm);
  }

  /** Returns the claims as parsed, without any signature, issuer or time check. */
  public JWTClaimsSet unverifiedClaims() {
    return unverifiedClaims;
  }

  @Override
  public String toString() {
    return "AttestationToken[alg=" + algorithm + ", iss=" + unverifiedClaims.getIssuer() + ", unverified]";
  }
}
