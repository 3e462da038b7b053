package io.kubesgx.keybroker.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The claims of an attestation token whose signature, issuer and lifetime were verified; only
 * {@link TargetTokenVerifier} creates one (and tests in this package), so a release decision can
 * never be made on unverified claims.
 */
public final class VerifiedClaims {
  private final String issuer;
  private final Map<String, Object> claims;

  VerifiedClaims(String issuer, Map<String, Object> claims) { // package-private on purpose
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
  }

  /** Returns the token's {@code iss}. */
  public String issuer() {
    return issuer;
  }

  /** Returns the token's {@code jti}, when it has one. */
  public Optional<String> jti() {
    return claims.get("jti") instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /**
   * Returns a claim by name, or null: the literal top-level name first, then dot notation through
   * nested objects ({@code x-ms-isolation-tee.x-ms-attestation-type}).
   */
  public Object claim(String name) {
    Object v = claims.get(name);
    if (v != null || name.indexOf('.') < 0) {
      return v;
    }
    Object cur = claims;
    for (String part : name.split("\\.", -1)) {
      if (!(cur instanceof Map<?, ?> m)) {
        return null;
      }
      cur = m.get(part);
      if (cur == null) {
        return null;
      }
    }
    return cur;
  }

  /** Returns all claims (unmodifiable). */
  public Map<String, Object> all() {
    return claims;
  }

  @Override
  public String toString() {
    return "VerifiedClaims[iss=" + issuer + ", " + claims.size() + " claims]";
  }
}
