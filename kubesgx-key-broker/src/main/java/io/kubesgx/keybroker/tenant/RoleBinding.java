package io.kubesgx.keybroker.tenant;

import java.util.Objects;
import java.util.Optional;

/**
 * Gives Kubernetes service accounts a role in a tenant: every service account of {@code namespace},
 * or only {@code serviceAccount} there.
 *
 * @param namespace the service account's namespace
 * @param serviceAccount the service account's name, or empty for all of the namespace
 * @param role the role granted
 */
public record RoleBinding(String namespace, Optional<String> serviceAccount, Role role) {
  /** Checks the fields. */
  public RoleBinding {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    Objects.requireNonNull(role, "role");
  }

  /** Returns whether the binding applies to {@code account}. */
  public boolean matches(ServiceAccount account) {
    return namespace.equals(account.namespace()) && serviceAccount.map(account.name()::equals).orElse(true);
  }
}
