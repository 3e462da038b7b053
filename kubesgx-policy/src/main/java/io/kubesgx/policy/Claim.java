package io.kubesgx.policy;

import java.util.Objects;

/**
 * One claim: a type, a typed value and an issuer (MAA issuers are {@code AttestationService},
 * {@code AttestationPolicy} and {@code CustomClaim}).
 */
public record Claim(String type, ClaimValue value, String issuer) {
  /** The issuer of claims the attestation service derives from evidence. */
  public static final String ATTESTATION_SERVICE = "AttestationService";

  /** The issuer the policy engine sets on claims that policy rules add or issue. */
  public static final String ATTESTATION_POLICY = "AttestationPolicy";

  /** Validates that no component is null. */
  public Claim {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(issuer, "issuer");
  }

  /** Creates a claim issued by {@code AttestationService}. */
  public static Claim of(String type, ClaimValue value) {
    return new Claim(type, value, ATTESTATION_SERVICE);
  }
}
