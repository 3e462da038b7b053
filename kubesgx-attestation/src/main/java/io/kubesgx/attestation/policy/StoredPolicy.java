package io.kubesgx.attestation.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A policy as stored: its text, the JWS it was submitted in, and who signed it.
 *
 * @param text the policy text
 * @param jws the policy JWS ({@code {"AttestationPolicy": base64url(text)}}), signed or {@code alg: none}
 * @param signerJwk the signer's public JWK (JSON) when the JWS was signed
 * @param updatedAt when it was stored
 */
public record StoredPolicy(String text, String jws, Optional<String> signerJwk, Instant updatedAt) {
  /** Checks for nulls. */
  public StoredPolicy {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(jws, "jws");
    Objects.requireNonNull(signerJwk, "signerJwk");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
