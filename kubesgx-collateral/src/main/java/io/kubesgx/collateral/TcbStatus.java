package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.JsonFields;
import io.kubesgx.common.MalformedInputException;

/**
 * A TCB status as served by Intel PCS in TCB info, TDX module identity and enclave identity levels.
 *
 * <p>Declared in the severity order of {@code dcap-verification.md} §7.1. Unknown JSON values fail
 * closed in {@link #fromJsonName(String)}.
 */
public enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  REVOKED("Revoked");

  private final String jsonName;

  TcbStatus(String jsonName) {
    this.jsonName = jsonName;
  }

  /** Returns the exact spelling used in Intel's JSON, for example {@code "UpToDate"}. */
  public String jsonName() {
    return jsonName;
  }

  /** Maps Intel's exact (case-sensitive) spelling to a status; anything else is malformed. */
  public static TcbStatus fromJsonName(String name) throws MalformedInputException {
    for (TcbStatus s : values()) {
      if (s.jsonName.equals(name)) {
        return s;
      }
    }
    throw new MalformedInputException(
        "unknown tcbStatus '" + (name == null ? "null" : JsonFields.abbreviate(name)) + "'");
  }
}
