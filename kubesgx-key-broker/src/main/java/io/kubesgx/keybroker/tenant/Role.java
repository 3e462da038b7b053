package io.kubesgx.keybroker.tenant;

import java.util.Locale;
import java.util.Optional;

/** What a caller may do within its tenant. */
public enum Role {
  /** Every operation of the tenant: key management, release, dry-run, audit. */
  ADMIN,
  /** Only release and dry-run. */
  RELEASE;

  /** Returns the configuration spelling ({@code admin}, {@code release}). */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code admin} or {@code release}. */
  public static Optional<Role> parse(String s) {
    for (Role r : values()) {
      if (r.wire().equals(s)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
