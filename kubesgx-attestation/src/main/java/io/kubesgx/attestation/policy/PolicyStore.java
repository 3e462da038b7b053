package io.kubesgx.attestation.policy;

import io.kubesgx.attestation.AttestationType;
import java.io.IOException;
import java.util.Optional;

/** Where policies live; shared by all replicas of the service. */
public interface PolicyStore extends AutoCloseable {
  /** Returns the stored policy for a type, or empty when the default applies. */
  Optional<StoredPolicy> get(AttestationType type) throws IOException;

  /**
   * Stores a policy and appends to the audit log, in one transaction. When the change is signed,
   * its {@code iat} must be strictly newer than the newest signed {@code iat} accepted so far for
   * this type (put or reset); the check and the update of that high-water mark are atomic across
   * replicas sharing the database.
   *
   * @throws PolicyStoreException {@code NOT_NEWER} for a replayed or older signed document,
   *     {@code UNAVAILABLE} when the database fails
   */
  void put(AttestationType type, StoredPolicy policy, PolicyChange change) throws IOException;

  /**
   * Removes the stored policy (the default applies again) and appends to the audit log. The
   * high-water mark of signed documents is kept (a signed reset raises it like a put), so a reset
   * never re-opens an older signed policy for replay.
   *
   * @throws PolicyStoreException as {@link #put}
   */
  void reset(AttestationType type, PolicyChange change) throws IOException;

  /** Returns a counter that changes whenever any policy changes (cheap; for cache invalidation). */
  long version() throws IOException;

  @Override
  void close();
}
