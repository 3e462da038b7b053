package io.kubesgx.keybroker.tenant;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every tenant of a broker and how service accounts map to them. Tenants exist only by
 * configuration: a request naming another tenant is answered 404, never creates one.
 */
public final class Tenants {
  private final Map<String, TenantConfig> byName;
  private final boolean namespaceIsTenant;

  private Tenants(Map<String, TenantConfig> byName, boolean namespaceIsTenant) {
    this.byName = byName;
    this.namespaceIsTenant = namespaceIsTenant;
  }

  /**
   * Creates the registry.
   *
   * @param namespaceIsTenant whether every service account of namespace N has the {@code release}
   *     role in tenant N (when a tenant N is configured)
   * @throws IllegalArgumentException when a tenant is listed twice or one admin token serves two tenants
   */
  public static Tenants of(Collection<TenantConfig> tenants, boolean namespaceIsTenant) {
    Map<String, TenantConfig> m = new LinkedHashMap<>();
    List<AdminToken> seen = new ArrayList<>();
    for (TenantConfig t : tenants) {
      if (m.put(t.name(), t) != null) {
        throw new IllegalArgumentException("tenant " + t.name() + " is configured twice");
      }
      for (AdminToken a : t.adminTokens()) {
        for (AdminToken s : seen) {
          if (MessageDigest.isEqual(s.sha256().toByteArray(), a.sha256().toByteArray())) {
            throw new IllegalArgumentException("admin token " + a.id() + " of tenant " + t.name()
                + " is also the admin token " + s.id() + " of another tenant; give each tenant its own token");
          }
        }
        seen.add(a);
      }
    }
    return new Tenants(Map.copyOf(m), namespaceIsTenant);
  }

  /** No tenant configured yet (the default tenant comes from {@link #withDefault}). */
  public static Tenants none() {
    return new Tenants(Map.of(), false);
  }

  /**
   * Returns a copy whose default tenant also accepts {@code adminToken} and trusts {@code issuers}
   * (the {@code --admin-token-file} and {@code --trust-issuer} options), creating it when absent.
   *
   * @throws IllegalArgumentException when the default tenant ends up without a trusted issuer
   */
  public Tenants withDefault(Optional<AdminToken> adminToken, List<String> issuers) {
    TenantConfig d = byName.get(TenantPath.DEFAULT);
    List<AdminToken> tokens = new ArrayList<>(d == null ? List.of() : d.adminTokens());
    adminToken.ifPresent(tokens::add);
    Set<String> iss = new LinkedHashSet<>(d == null ? List.of() : d.trustedIssuers());
    iss.addAll(issuers);
    if (iss.isEmpty()) {
      throw new IllegalArgumentException("at least one trusted issuer is needed for the default tenant (--trust-issuer URL)");
    }
    List<TenantConfig> all = new ArrayList<>();
    all.add(new TenantConfig(TenantPath.DEFAULT, tokens, List.copyOf(iss), d == null ? List.of() : d.bindings()));
    byName.values().stream().filter(t -> !t.name().equals(TenantPath.DEFAULT)).forEach(all::add);
    return of(all, namespaceIsTenant);
  }

  /** Returns the tenant called {@code name}. */
  public Optional<TenantConfig> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Returns every tenant. */
  public Collection<TenantConfig> all() {
    return byName.values();
  }

  /** Returns whether a namespace's service accounts have the {@code release} role in the tenant of that name. */
  public boolean namespaceIsTenant() {
    return namespaceIsTenant;
  }

  /**
   * Returns the strongest role {@code account} has in {@code tenant}: from the tenant's bindings,
   * and {@code release} in its own namespace's tenant when {@link #namespaceIsTenant()}.
   */
  public Optional<Role> roleOf(String tenant, ServiceAccount account) {
    TenantConfig t = byName.get(tenant);
    if (t == null) {
      return Optional.empty();
    }
    Optional<Role> best = namespaceIsTenant && account.namespace().equals(tenant) ? Optional.of(Role.RELEASE) : Optional.empty();
    for (RoleBinding b : t.bindings()) {
      if (b.matches(account) && (best.isEmpty() || b.role() == Role.ADMIN)) {
        best = Optional.of(b.role());
      }
    }
    return best;
  }
}
