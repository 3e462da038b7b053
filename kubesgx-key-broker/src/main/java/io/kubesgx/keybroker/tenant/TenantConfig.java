package io.kubesgx.keybroker.tenant;

import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import java.util.List;
import java.util.Objects;

/**
 * One tenant's settings.
 *
 * @param name the tenant name (a DNS label)
 * @param adminTokens tokens that may do everything in the tenant
 * @param trustedIssuers attestation services whose tokens the tenant's releases accept
 * @param bindings roles given to Kubernetes service accounts
 */
public record TenantConfig(String name, List<AdminToken> adminTokens, List<String> trustedIssuers, List<RoleBinding> bindings) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException for an invalid name, no trusted issuer, or an issuer URL that is
   *     neither https nor http on loopback
   */
  public TenantConfig {
    if (!TenantPath.isValidName(Objects.requireNonNull(name, "name"))) {
      throw new IllegalArgumentException("tenant name '" + name
          + "' must be a DNS label: 1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit");
    }
    adminTokens = List.copyOf(adminTokens);
    trustedIssuers = List.copyOf(trustedIssuers);
    bindings = List.copyOf(bindings);
    if (trustedIssuers.isEmpty()) {
      throw new IllegalArgumentException("tenant " + name + " needs at least one trusted issuer");
    }
    trustedIssuers.forEach(TargetTokenVerifier::checkIssuerUrl);
  }
}
