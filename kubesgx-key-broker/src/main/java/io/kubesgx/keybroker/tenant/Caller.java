package io.kubesgx.keybroker.tenant;

import java.util.Objects;

/**
 * An authenticated caller of one tenant.
 *
 * @param tenant the tenant the request addresses (and the caller belongs to)
 * @param id who is calling, for the audit log and rate limits: {@code admin} or {@code admin:FILE} for
 *     an admin token, {@code system:serviceaccount:NS:NAME} for a service account; never a secret
 * @param role what the caller may do in {@code tenant}
 */
public record Caller(String tenant, String id, Role role) {
  /** Checks the fields. */
  public Caller {
    if (!TenantPath.isValidName(Objects.requireNonNull(tenant, "tenant"))) {
      throw new IllegalArgumentException("invalid tenant name " + tenant);
    }
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
  }

  /** Returns whether the caller may do everything in its tenant. */
  public boolean admin() {
    return role == Role.ADMIN;
  }
}
