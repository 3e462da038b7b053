package io.kubesgx.attestation.token;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One token-signing key with its schedule: published from creation, used for signing from {@code
 * activatesAt} until {@code retiredAt}, and kept in the JWKS until tokens it signed have expired.
 *
 * @param kid key ID (the certificate's SHA-256 thumbprint, base64url)
 * @param algorithm RS256 or ES256
 * @param keyPair the key pair
 * @param certificate self-signed certificate for {@code x5c}
 * @param createdAt when the key was made (published from then on)
 * @param activatesAt when signing with it starts
 * @param retiredAt when signing with it stopped, if it has
 */
public record SigningKey(
    String kid,
    SigningAlgorithm algorithm,
    KeyPair keyPair,
    X509Certificate certificate,
    Instant createdAt,
    Instant activatesAt,
    Optional<Instant> retiredAt) {

  /** Checks for nulls. */
  public SigningKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(activatesAt, "activatesAt");
    Objects.requireNonNull(retiredAt, "retiredAt");
  }

  /** Returns true when the key may sign at {@code now}. */
  public boolean canSignAt(Instant now) {
    return !now.isBefore(activatesAt) && retiredAt.map(now::isBefore).orElse(true);
  }

  /** Returns true when the key belongs in the JWKS at {@code now}, given the longest token life. */
  public boolean isPublishedAt(Instant now, java.time.Duration maxTokenLifetime) {
    return retiredAt.map(r -> now.isBefore(r.plus(maxTokenLifetime))).orElse(true);
  }

  /** Returns a copy retired at {@code at}. */
  public SigningKey retire(Instant at) {
    return new SigningKey(kid, algorithm, keyPair, certificate, createdAt, activatesAt, Optional.of(at));
  }
}
