package io.kubesgx.keybroker.tenant;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A request path split into its tenant and the rest: {@code /keys/k} is the default tenant's
 * {@code /keys/k}, {@code /t/team-a/keys/k} is tenant {@code team-a}'s. Any handler (keys, secrets,
 * KBS) takes the rest as if it were served at the root.
 *
 * @param tenant the tenant name
 * @param rest the path below the tenant prefix, starting with {@code /}
 */
public record TenantPath(String tenant, String rest) {
  /** The tenant served without a prefix. */
  public static final String DEFAULT = "default";
  /** Tenant names: a DNS label (RFC 1123), as Kubernetes namespaces are. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final String PREFIX = "/t/";

  /** Checks the fields. */
  public TenantPath {
    if (!isValidName(tenant)) {
      throw new IllegalArgumentException("invalid tenant name " + tenant);
    }
    if (!rest.startsWith("/")) {
      throw new IllegalArgumentException("the rest of the path must start with /");
    }
  }

  /** Returns whether {@code name} is a valid tenant name (a DNS label: 1-63 of a-z, 0-9 and inner '-'). */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Splits {@code path}; empty when it has the {@code /t/} prefix but no valid tenant name, or
   * nothing after the tenant (the caller answers 404).
   */
  public static Optional<TenantPath> parse(String path) {
    if (!path.startsWith(PREFIX)) {
      return path.startsWith("/") ? Optional.of(new TenantPath(DEFAULT, path)) : Optional.empty();
    }
    int slash = path.indexOf('/', PREFIX.length());
    if (slash < 0) {
      return Optional.empty();
    }
    String tenant = path.substring(PREFIX.length(), slash);
    return isValidName(tenant) ? Optional.of(new TenantPath(tenant, path.substring(slash))) : Optional.empty();
  }

  /** Returns the URL path prefix of {@code tenant}: empty for the default tenant, else {@code /t/NAME}. */
  public static String prefix(String tenant) {
    return DEFAULT.equals(tenant) ? "" : PREFIX + tenant;
  }
}
