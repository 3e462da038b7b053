package io.kubesgx.attestation.policy;

import io.kubesgx.attestation.AttestationType;
import java.io.IOException;
import java.util.Optional;

/** Where policies live; shared by all replicas of the service. */
public interface PolicyStore extends AutoCloseable {
  /** Returns the stored policy for a type, or empty when the default applies. */
  Optional<StoredPolicy> get(AttestationType type) throws IOException;

  /** Stores a policy and appends to the audit log. */
  void put(AttestationType type, StoredPolicy policy, String actor) throws IOException;

  /** Removes the stored policy (the default applies again) and appends to the audit log. */
  void reset(AttestationType type, String actor) throws IOException;

  /** Returns a counter that changes whenever any policy changes (cheap; for cache invalidation). */
  long version() throws IOException;

  @Override
  void close();
}
