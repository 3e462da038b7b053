package io.kubesgx.aesm;

/**
 * The AESM service's error codes ({@code aesm_error_t}), as carried in every response's
 * {@code errorCode} field.
 *
 * <p>Sources: codes 0–31 are from Intel's {@code aesm_error.h}
 * (intel/linux-sgx {@code psw/ae/inc/internal/aesm_error.h}). Codes 32–51 were added with DCAP
 * (ECDSA) quoting; the header with their values was not available to us, so their numbers are
 * <b>inferred</b> from the order in which Intel's ECDSA quote service maps {@code quote3_error_t} to
 * them ({@code quote3_error_to_aesm_error} in {@code psw/ae/aesm_service/source/bundles/
 * ecdsa_quote_service_bundle}), anchored by code 38 = {@code AESM_UNSUPPORTED_ATT_KEY_ID}, which is
 * observed in the field (matter-labs/nixsgx#66). Treat 32–51 as [unconfirmed]; unknown values map
 * to {@link #UNKNOWN} and keep their number in {@link AesmException#code()}.
 */
public enum AesmErrorCode {
  SUCCESS(0),
  UNEXPECTED_ERROR(1),
  NO_DEVICE_ERROR(2),
  PARAMETER_ERROR(3),
  EPIDBLOB_ERROR(4),
  EPID_REVOKED_ERROR(5),
  GET_LICENSETOKEN_ERROR(6),
  SESSION_INVALID(7),
  MAX_NUM_SESSION_REACHED(8),
  PSDA_UNAVAILABLE(9),
  EPH_SESSION_FAILED(10),
  LONG_TERM_PAIRING_FAILED(11),
  NETWORK_ERROR(12),
  NETWORK_BUSY_ERROR(13),
  PROXY_SETTING_ASSIST(14),
  FILE_ACCESS_ERROR(15),
  SGX_PROVISION_FAILED(16),
  SERVICE_STOPPED(17),
  BUSY(18),
  BACKEND_SERVER_BUSY(19),
  UPDATE_AVAILABLE(20),
  OUT_OF_MEMORY_ERROR(21),
  MSG_ERROR(22),
  THREAD_ERROR(23),
  SGX_DEVICE_NOT_AVAILABLE(24),
  ENABLE_SGX_DEVICE_FAILED(25),
  PLATFORM_INFO_BLOB_INVALID_SIG(26),
  SERVICE_NOT_AVAILABLE(27),
  KDF_MISMATCH(28),
  OUT_OF_EPC(29),
  SERVICE_UNAVAILABLE(30),
  UNRECOGNIZED_PLATFORM(31),
  // [unconfirmed] values below: inferred order, see the class comment.
  ECDSA_ID_MISMATCH(32),
  PATHNAME_BUFFER_OVERFLOW_ERROR(33),
  ERROR_STORED_KEY(34),
  PUB_KEY_ID_MISMATCH(35),
  INVALID_PCE_SIG_SCHEME(36),
  ATT_KEY_BLOB_ERROR(37),
  UNSUPPORTED_ATT_KEY_ID(38),
  UNSUPPORTED_LOADING_POLICY(39),
  INTERFACE_UNAVAILABLE(40),
  PLATFORM_LIB_UNAVAILABLE(41),
  ATT_KEY_NOT_INITIALIZED(42),
  ATT_KEY_CERT_DATA_INVALID(43),
  NO_PLATFORM_CERT_DATA(44),
  ERROR_REPORT(45),
  ENCLAVE_LOST(46),
  INVALID_REPORT(47),
  ENCLAVE_LOAD_ERROR(48),
  UNABLE_TO_GENERATE_QE_REPORT(49),
  KEY_CERTIFICATION_ERROR(50),
  CONFIG_UPDATE_FAIL(51),
  /** A value this enum does not know; the number is kept by the exception. */
  UNKNOWN(-1);

  private static final AesmErrorCode[] BY_CODE = new AesmErrorCode[52];

  static {
    for (AesmErrorCode c : values()) {
      if (c.code >= 0) {
        BY_CODE[c.code] = c;
      }
    }
  }

  private final int code;

  AesmErrorCode(int code) {
    this.code = code;
  }

  /** Returns the numeric value on the wire ({@code -1} for {@link #UNKNOWN}). */
  public int code() {
    return code;
  }

  /** Returns Intel's name, such as {@code AESM_PARAMETER_ERROR}. */
  public String intelName() {
    return this == UNKNOWN ? "AESM_UNKNOWN_ERROR" : "AESM_" + name();
  }

  /** Returns the constant for a wire value, or {@link #UNKNOWN}. */
  public static AesmErrorCode of(long code) {
    if (code >= 0 && code < BY_CODE.length && BY_CODE[(int) code] != null) {
      return BY_CODE[(int) code];
    }
    return UNKNOWN;
  }
}
