package io.kubesgx.status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The attestation service's {@code GET /status}, parsed.
 *
 * @param now the service's clock when it answered
 * @param signingKey the key that signs tokens now
 * @param collateral one entry per cached collateral key
 */
public record AttestationStatus(Instant now, SigningKey signingKey, List<Collateral> collateral) {
  /** Copies the list. */
  public AttestationStatus {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(signingKey, "signingKey");
    collateral = List.copyOf(collateral);
  }

  /**
   * The token-signing key.
   *
   * @param kid key ID
   * @param algorithm {@code ES256} or {@code RS256}
   * @param createdAt when it was made
   */
  public record SigningKey(String kid, String algorithm, Instant createdAt) {
    /** Checks for nulls. */
    public SigningKey {
      Objects.requireNonNull(kid, "kid");
      Objects.requireNonNull(algorithm, "algorithm");
      Objects.requireNonNull(createdAt, "createdAt");
    }
  }

  /**
   * One cached collateral set.
   *
   * @param key the service's key label ({@code sgx/FMSPC/ca/update})
   * @param fmspc 12 upper-case hex digits
   * @param nextUpdate the set's earliest {@code nextUpdate}, empty when nothing is cached
   * @param stale served past {@code nextUpdate}
   * @param expired nothing usable is cached
   */
  public record Collateral(String key, String fmspc, Optional<Instant> nextUpdate, boolean stale, boolean expired) {
    /** Checks for nulls. */
    public Collateral {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(fmspc, "fmspc");
      Objects.requireNonNull(nextUpdate, "nextUpdate");
    }
  }
}
