package io.kubesgx.attestation.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One row of the append-only policy audit log.
 *
 * @param at when the change was stored
 * @param attestationType the attestation type's path name ({@code SgxEnclave})
 * @param action {@code put} or {@code reset}
 * @param actor the free-text actor column (all rows have it; rows written before senders were
 *     recorded hold only this)
 * @param sender the authenticated sender or {@code anonymous}; empty for rows written before senders
 *     were recorded
 * @param signer the document signer's certificate thumbprint, when the document was signed
 * @param signedAt the signed document's {@code iat}, when signed
 */
public record PolicyAuditEntry(Instant at, String attestationType, String action, String actor, Optional<String> sender,
    Optional<String> signer, Optional<Instant> signedAt) {
  /** Checks for nulls. */
  public PolicyAuditEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(attestationType, "attestationType");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(signedAt, "signedAt");
  }
}
