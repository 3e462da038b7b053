package io.kubesgx.sim;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A TCB situation the simulated PCS can put a platform in; it changes only the collateral (TCB
 * info, QE identity, CRLs), never the platform or its quotes.
 */
public enum Scenario {
  /** The platform's TCB is the newest level. */
  UP_TO_DATE("UpToDate", "UpToDate"),
  /** Newest TCB, but enclaves need software mitigations. */
  SW_HARDENING_NEEDED("SWHardeningNeeded", "SWHardeningNeeded", "INTEL-SA-00615"),
  /** Newest TCB, but the platform configuration needs changing. */
  CONFIGURATION_NEEDED("ConfigurationNeeded", "ConfigurationNeeded", "INTEL-SA-00289"),
  /** Both of the above. */
  CONFIGURATION_AND_SW_HARDENING_NEEDED(
      "ConfigurationAndSWHardeningNeeded", "ConfigurationAndSWHardeningNeeded", "INTEL-SA-00289", "INTEL-SA-00615"),
  /** A newer TCB level exists; the platform's level lists the advisories it misses. */
  OUT_OF_DATE("OutOfDate", "OutOfDate", "INTEL-SA-00828", "INTEL-SA-00837"),
  /** Out of date and a configuration change needed. */
  OUT_OF_DATE_CONFIGURATION_NEEDED(
      "OutOfDateConfigurationNeeded", "OutOfDateConfigurationNeeded", "INTEL-SA-00289", "INTEL-SA-00828"),
  /** The platform's TCB level is revoked. */
  REVOKED_TCB("RevokedTcb", "Revoked", "INTEL-SA-00828"),
  /** The platform's PCK certificate is listed in the PCK CRL. */
  REVOKED_PCK("RevokedPck", "UpToDate"),
  /** TCB info and QE identity whose nextUpdate has passed. */
  EXPIRED_COLLATERAL("ExpiredCollateral", "UpToDate"),
  /**
   * A TCB recovery event: the newest TCB evaluation data number adds a TCB level above the
   * platform's, which turns the platform from UpToDate to OutOfDate; the previous evaluation data
   * number (still served on request) rates it UpToDate.
   */
  TCB_RECOVERY("TcbRecovery", "OutOfDate", "INTEL-SA-01103");

  private final String cliName;
  private final String platformLevelStatus;
  private final List<String> advisoryIds;

  Scenario(String cliName, String platformLevelStatus, String... advisoryIds) {
    this.cliName = cliName;
    this.platformLevelStatus = platformLevelStatus;
    this.advisoryIds = List.of(advisoryIds);
  }

  /** Returns the name used on the command line and in platform.json, e.g. {@code OutOfDate}. */
  public String cliName() {
    return cliName;
  }

  /** Returns the tcbStatus written for the platform's own TCB level. */
  public String platformLevelStatus() {
    return platformLevelStatus;
  }

  /** Returns the advisory IDs written for the platform's own TCB level. */
  public List<String> advisoryIds() {
    return advisoryIds;
  }

  /** Returns true when a correct verifier must reject quotes of this scenario outright. */
  public boolean rejects() {
    return this == REVOKED_TCB || this == REVOKED_PCK || this == EXPIRED_COLLATERAL;
  }

  /**
   * Parses a scenario name ignoring case, spaces, dashes and underscores ({@code OutOfDate}, {@code
   * out-of-date}, {@code OUT_OF_DATE}, {@code Revoked PCK}); the short forms {@code Revoked}
   * (the PCK), {@code Expired} and {@code Recovery} are accepted too. An unknown name lists the
   * valid ones.
   */
  public static Scenario parse(String name) {
    String key = normalise(name);
    return find(key)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown scenario '" + name + "'; valid: " + names()));
  }

  private static Optional<Scenario> find(String key) {
    switch (key) {
      case "revoked":
        return Optional.of(REVOKED_PCK);
      case "expired":
        return Optional.of(EXPIRED_COLLATERAL);
      case "recovery":
        return Optional.of(TCB_RECOVERY);
      default:
        break;
    }
    for (Scenario s : values()) {
      if (normalise(s.cliName).equals(key) || normalise(s.name()).equals(key)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Returns the valid names, comma-separated. */
  public static String names() {
    return Stream.of(values()).map(Scenario::cliName).collect(Collectors.joining(", "));
  }

  private static String normalise(String s) {
    return s.replaceAll("[-_\\s]", "").toLowerCase(Locale.ROOT);
  }
}
