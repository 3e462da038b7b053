package io.kubesgx.attestation.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who changed a policy, as the audit log records it: the authenticated sender of the request apart
 * from the signer of the document, and the document's signed {@code iat} that orders signed changes.
 *
 * @param sender the authenticated principal that sent the request ({@code admin-token}), or {@link
 *     #ANONYMOUS} when the request carried no valid credential (a signed document alone is enough in
 *     the Isolated model)
 * @param signer the document signer's certificate thumbprint (SHA-1 hex), when signed
 * @param signedAt the signed document's {@code iat}; present exactly when the document is signed
 */
public record PolicyChange(String sender, Optional<String> signer, Optional<Instant> signedAt) {
  /** The sender of a request without a valid credential. */
  public static final String ANONYMOUS = "anonymous";

  /** Checks for nulls. */
  public PolicyChange {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(signedAt, "signedAt");
  }

  /** An unsigned change sent by {@code sender}. */
  public static PolicyChange unsigned(String sender) {
    return new PolicyChange(sender, Optional.empty(), Optional.empty());
  }

  /** Returns the human-readable actor line kept in the audit table's {@code actor} column. */
  public String describe() {
    return "sent by " + sender + signer.map(s -> ", signed by " + s).orElse(", unsigned");
  }
}
