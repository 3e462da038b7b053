package io.kubesgx.attestation.claims;

/** Names of the claims the service emits. */
public final class ClaimNames {
  private ClaimNames() {}

  /** {@code "sgx"}. */
  public static final String ATTESTATION_TYPE = "x-ms-attestation-type";
  /** Boolean: the enclave's DEBUG attribute. */
  public static final String IS_DEBUGGABLE = "x-ms-sgx-is-debuggable";
  /** Hex MRENCLAVE. */
  public static final String MRENCLAVE = "x-ms-sgx-mrenclave";
  /** Hex MRSIGNER. */
  public static final String MRSIGNER = "x-ms-sgx-mrsigner";
  /** Integer ISVPRODID. */
  public static final String PRODUCT_ID = "x-ms-sgx-product-id";
  /** Integer ISVSVN. */
  public static final String SVN = "x-ms-sgx-svn";
  /** Base64url of binary runtime data (enclave held data). */
  public static final String EHD = "x-ms-sgx-ehd";
  /** Hex of the 64-byte REPORTDATA. */
  public static final String REPORT_DATA = "x-ms-sgx-report-data";
  /** Hashes of the collateral used. */
  public static final String COLLATERAL = "x-ms-sgx-collateral";
  /** Hex CONFIGID (KSS). */
  public static final String CONFIG_ID = "x-ms-sgx-config-id";
  /** Integer CONFIGSVN (KSS). */
  public static final String CONFIG_SVN = "x-ms-sgx-config-svn";
  /** Hex ISVEXTPRODID (KSS). */
  public static final String ISV_EXTENDED_PRODUCT_ID = "x-ms-sgx-isv-extended-product-id";
  /** Hex ISVFAMILYID (KSS). */
  public static final String ISV_FAMILY_ID = "x-ms-sgx-isv-family-id";
  /** JSON runtime data. */
  public static final String RUNTIME = "x-ms-runtime";
  /** JSON init-time data. */
  public static final String INITTIME = "x-ms-inittime";
  /** Claim-set version, {@code "1.0"}. */
  public static final String VERSION = "x-ms-ver";
  /** Hash of the policy that produced the token. */
  public static final String POLICY_HASH = "x-ms-policy-hash";
  /** Signer (JWK) of a signed policy. */
  public static final String POLICY_SIGNER = "x-ms-policy-signer";
  /** Object of the claims the policy issued. */
  public static final String POLICY = "x-ms-policy";

  /** TCB status of the platform (Intel's spelling, e.g. {@code SWHardeningNeeded}). */
  public static final String TCB_STATUS = "x-kubesgx-tcb-status";
  /** Advisory IDs for the platform and QE TCB (token: array; policy: one claim each). */
  public static final String ADVISORY_IDS = "x-kubesgx-advisory-ids";
  /** Policy input name of one advisory ID. */
  public static final String ADVISORY_ID = "x-kubesgx-advisory-id";
  /** TCB status of the quoting enclave. */
  public static final String QE_STATUS = "x-kubesgx-qe-status";
  /** The matched TCB level's date (epoch seconds). */
  public static final String TCB_DATE = "x-kubesgx-tcb-date";
  /** The collateral's TCB evaluation data number. */
  public static final String TCB_EVALUATION_DATA_NUMBER = "x-kubesgx-tcb-evaluation-data-number";
  /** Earliest expiry (nextUpdate) over the collateral used (epoch seconds). */
  public static final String COLLATERAL_EXPIRY = "x-kubesgx-collateral-expiry";
  /** Boolean: the collateral was past its refresh time because the PCS was unreachable. */
  public static final String COLLATERAL_STALE = "x-kubesgx-collateral-stale";
  /** Why stale collateral was used. */
  public static final String COLLATERAL_WARNING = "x-kubesgx-collateral-warning";
  /** Boolean: verified under a simulation root — never real SGX hardware. */
  public static final String SIMULATED = "x-kubesgx-simulated";
  /** Hex FMSPC of the platform. */
  public static final String FMSPC = "x-kubesgx-fmspc";
  /** PCK CA that issued the platform's certificate ({@code processor} or {@code platform}). */
  public static final String PCK_CA = "x-kubesgx-pck-ca";
  /** Name of the trust anchor the chains ended at. */
  public static final String TRUST_ANCHOR = "x-kubesgx-trust-anchor";
  /** Boolean derived by the service: the TCB status is acceptable (see the grace period). */
  public static final String TCB_ACCEPTABLE = "x-kubesgx-tcb-acceptable";
  /** Epoch seconds until which an out-of-date TCB is accepted under the grace period. */
  public static final String TCB_GRACE_DEADLINE = "x-kubesgx-tcb-grace-deadline";

  /** Configuration property: days an out-of-date TCB stays acceptable after a newer TCB was published. */
  public static final String PROPERTY_TCB_GRACE_DAYS = "x-kubesgx-tcb-grace-period-days";
  /** Property claim: token lifetime in minutes. */
  public static final String PROPERTY_VALIDITY_MINUTES = "report_validity_in_minutes";
  /** Property claim: leave the certificate out of the token header. */
  public static final String PROPERTY_OMIT_X5C = "omit_x5c";

  /**
   * Most nested objects and arrays in JSON runtime or init-time data: the data sits one level inside
   * the token's claims object ({@code x-ms-runtime}), and a token must stay within {@link
   * io.kubesgx.common.json.Json#MAX_DEPTH} so that relying parties with the same strict parser can
   * read it. The request parser and the claims share this one limit.
   */
  public static final int MAX_RUNTIME_DEPTH = io.kubesgx.common.json.Json.MAX_DEPTH - 1;
}
