package io.kubesgx.keybroker.kbs;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the KBS endpoints: where quote collateral comes from (as for the attestation service:
 * {@code --pcs-url}, or {@code --sim DIR}), the authority quote claims are issued under, and the
 * session bounds.
 *
 * @param simPlatform DANGEROUS when present: trust this simulated platform's root and serve its collateral
 * @param pcsUrl Intel PCS or PCCS base URL (ignored with {@code simPlatform})
 * @param collateralCache on-disk collateral cache directory, when wanted
 * @param authority the issuer name release policies must use for the KBS path (empty: {@code <broker URL>/kbs/v0})
 * @param maxSessions most live sessions before {@code auth} answers 503
 * @param sessionLifetime absolute lifetime of a session and of its token
 */
public record KbsOptions(
    Optional<Path> simPlatform, URI pcsUrl, Optional<Path> collateralCache, Optional<String> authority, int maxSessions,
    Duration sessionLifetime) {
  /** Intel's PCS (v4 API base). */
  public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com");

  /** Checks the settings; messages say what to change. */
  public KbsOptions {
    Objects.requireNonNull(simPlatform, "simPlatform");
    Objects.requireNonNull(pcsUrl, "pcsUrl");
    Objects.requireNonNull(collateralCache, "collateralCache");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(sessionLifetime, "sessionLifetime");
    if (maxSessions < 1) {
      throw new IllegalArgumentException("--kbs-max-sessions must be at least 1");
    }
    if (sessionLifetime.isNegative() || sessionLifetime.isZero() || sessionLifetime.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("the KBS session lifetime must be within (0, 1 h]");
    }
    String scheme = pcsUrl.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme)) {
      throw new IllegalArgumentException("--pcs-url must be an http(s) URL such as " + INTEL_PCS + ", not '" + pcsUrl + "'");
    }
  }

  /** Intel PCS, no cache, the broker's own authority, 10,000 sessions of 5 minutes. */
  public static KbsOptions defaults() {
    return new KbsOptions(Optional.empty(), INTEL_PCS, Optional.empty(), Optional.empty(), KbsSessions.DEFAULT_CAPACITY,
        KbsSessions.DEFAULT_LIFETIME);
  }

  /** Returns a copy that trusts the simulated platform in {@code dir} (DANGEROUS: tests and local use only). */
  public KbsOptions withInsecureSimulatedPlatform(Path dir) {
    return new KbsOptions(Optional.of(dir), pcsUrl, collateralCache, authority, maxSessions, sessionLifetime);
  }

  /** Returns a copy with another PCS/PCCS. */
  public KbsOptions withPcsUrl(URI url) {
    return new KbsOptions(simPlatform, url, collateralCache, authority, maxSessions, sessionLifetime);
  }

  /** Returns a copy whose quote claims are issued under {@code issuer}. */
  public KbsOptions withAuthority(String issuer) {
    return new KbsOptions(simPlatform, pcsUrl, collateralCache, Optional.of(issuer), maxSessions, sessionLifetime);
  }

  /** Returns a copy with other session bounds. */
  public KbsOptions withSessions(int max, Duration lifetime) {
    return new KbsOptions(simPlatform, pcsUrl, collateralCache, authority, max, lifetime);
  }
}
