package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.JsonFields;
import io.kubesgx.common.MalformedInputException;

/**
 * A TCB status as served by Intel PCS in TCB info, TDX module identity and enclave identity levels,
 * plus the two verification results Intel's QVL derives for TD 1.5 quotes (never served).
 *
 * <p>Unknown JSON values, and the derived-only values, fail closed in {@link #fromJsonName(String)}.
 */
public enum TcbStatus {
  UP_TO_DATE("UpToDate", true),
  SW_HARDENING_NEEDED("SWHardeningNeeded", true),
  CONFIGURATION_NEEDED("ConfigurationNeeded", true),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded", true),
  /**
   * Result only (Intel QVL {@code TD_RELAUNCH_ADVISED}): the TD runs on an out-of-date TDX module
   * but the platform already has an up-to-date one, so relaunching the TD fixes it.
   */
  TD_RELAUNCH_ADVISED("TDRelaunchAdvised", false),
  /** Result only: {@link #TD_RELAUNCH_ADVISED} and a configuration change needed. */
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED("TDRelaunchAdvisedConfigurationNeeded", false),
  OUT_OF_DATE("OutOfDate", true),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded", true),
  REVOKED("Revoked", true);

  private final String jsonName;
  private final boolean served;

  TcbStatus(String jsonName, boolean served) {
    this.jsonName = jsonName;
    this.served = served;
  }

  /** Returns the exact spelling used in Intel's JSON, for example {@code "UpToDate"}. */
  public String jsonName() {
    return jsonName;
  }

  /** Maps Intel's exact (case-sensitive) spelling to a status; anything else is malformed. */
  public static TcbStatus fromJsonName(String name) throws MalformedInputException {
    for (TcbStatus s : values()) {
      if (s.served && s.jsonName.equals(name)) {
        return s;
      }
    }
    throw new MalformedInputException(
        "unknown tcbStatus '" + (name == null ? "null" : JsonFields.abbreviate(name)) + "'");
  }
}
