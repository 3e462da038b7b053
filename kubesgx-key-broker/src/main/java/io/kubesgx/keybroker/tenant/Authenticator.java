package io.kubesgx.keybroker.tenant;

import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.KeyBrokerException.Reason;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a bearer token into a caller of one tenant. Admin tokens are compared in constant time
 * against every admin token of the addressed tenant only (a token of another tenant is simply
 * invalid here); Kubernetes service-account tokens are verified, then mapped to a role in the
 * addressed tenant by {@link Tenants#roleOf}.
 */
public final class Authenticator {
  private final Tenants tenants;
  private final Optional<ServiceAccountVerifier> serviceAccounts;

  /** Creates an authenticator; without {@code serviceAccounts} only admin tokens are accepted. */
  public Authenticator(Tenants tenants, Optional<ServiceAccountVerifier> serviceAccounts) {
    this.tenants = Objects.requireNonNull(tenants, "tenants");
    this.serviceAccounts = Objects.requireNonNull(serviceAccounts, "serviceAccounts");
  }

  /** Returns the tenants. */
  public Tenants tenants() {
    return tenants;
  }

  /** Returns the admin caller {@code bearer} is in {@code tenant}, if it is one of its admin tokens (cheap; no I/O). */
  public Optional<Caller> admin(String tenant, String bearer) {
    TenantConfig t = tenants.get(tenant).orElse(null);
    if (t == null) {
      return Optional.empty();
    }
    byte[] presented = AdminToken.sha256(bearer);
    AdminToken match = null;
    for (AdminToken a : t.adminTokens()) { // no early exit: the time does not depend on which token matched
      if (MessageDigest.isEqual(a.sha256().toByteArray(), presented)) {
        match = a;
      }
    }
    return match == null ? Optional.empty() : Optional.of(new Caller(tenant, match.id(), Role.ADMIN));
  }

  /** Returns whether {@code bearer} should be tried as a service-account token (configured, and shaped like a JWT). */
  public boolean mayBeServiceAccountToken(String bearer) {
    return serviceAccounts.isPresent() && bearer.length() <= 16 * 1024 && bearer.chars().filter(c -> c == '.').count() == 2;
  }

  /**
   * Verifies a service-account token and returns its caller in {@code tenant}. May fetch the
   * issuer's metadata: call it off the event loop.
   *
   * @throws KeyBrokerException {@link Reason#UNAUTHORIZED} for an invalid token, {@link
   *     Reason#FORBIDDEN} when the account has no role in {@code tenant}, {@link Reason#UNAVAILABLE}
   *     when the cluster issuer cannot be reached
   */
  public Caller serviceAccount(String tenant, String bearer) throws KeyBrokerException {
    if (serviceAccounts.isEmpty()) {
      throw new KeyBrokerException(Reason.UNAUTHORIZED, "AKV10032: Invalid bearer token.");
    }
    ServiceAccount sa = serviceAccounts.get().verify(bearer);
    Role role = tenants.roleOf(tenant, sa).orElseThrow(() -> new KeyBrokerException(Reason.FORBIDDEN,
        "Caller " + sa.subject() + " has no role in tenant " + tenant + "."));
    return new Caller(tenant, sa.subject(), role);
  }
}
