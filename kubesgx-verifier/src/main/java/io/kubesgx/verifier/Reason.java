package io.kubesgx.verifier;

/**
 * Why a verification failed; names follow the spirit of Intel QVL's {@code STATUS_*} codes.
 * Each constant carries a short hint telling the user what to do.
 */
public enum Reason {
  /** The quote bytes are not a well-formed DCAP quote. */
  MALFORMED_QUOTE("check that the file is a complete DCAP quote (binary or hex) and not truncated"),
  /** The quote's version, TEE type or body type is not supported. */
  UNSUPPORTED_QUOTE_FORMAT("only DCAP quotes v3 (SGX), v4 (SGX/TDX 1.0) and v5 (SGX, TD 1.0, TD 1.5) are supported"),
  /** The attestation key type is not ECDSA-256 with P-256. */
  UNSUPPORTED_ATTESTATION_KEY_TYPE("only attestation key type 2 (ECDSA-256 with P-256) is supported"),
  /** The QE vendor is not Intel. */
  UNSUPPORTED_QE_VENDOR("only quotes from Intel's quoting enclave are supported"),
  /** The certification data type cannot be used for verification. */
  UNSUPPORTED_CERTIFICATION_DATA("the quote's certification data type is not supported for verification"),
  /** Neither the quote nor the collateral carries a PCK certificate chain. */
  MISSING_PCK_CHAIN("supply the PCK certificate chain (fetched from the PCS/PCCS) as pck_certificate_chain in the collateral"),
  /** A collateral item cannot be parsed. */
  MALFORMED_COLLATERAL("the collateral is not in a supported format (dcap-qvl JSON, PCS bodies or a bundle directory); refetch it"),
  /** A required collateral item is absent. */
  MISSING_COLLATERAL("fetch complete collateral (TCB info, QE identity, PCK CRL, root CA CRL) from the PCS/PCCS"),
  /** The PCK certificate or its chain is invalid. */
  INVALID_PCK_CERT("the PCK certificate chain does not verify; the quote was not produced by a genuine platform"),
  /** A PCK chain certificate has expired at the evaluation time. */
  PCK_CERT_EXPIRED("the platform's PCK certificate has expired; re-provision the platform"),
  /** A PCK chain certificate is not yet valid at the evaluation time. */
  PCK_CERT_NOT_YET_VALID("check the evaluation time and the clock"),
  /** The PCK leaf certificate is listed in the PCK CRL. */
  PCK_REVOKED("the platform's PCK certificate is revoked; the platform must not be trusted"),
  /** An intermediate CA certificate is listed in the root CA CRL. */
  INTERMEDIATE_REVOKED("an Intel intermediate CA is revoked; the platform must not be trusted"),
  /** A CRL is malformed, misses required extensions, has the wrong issuer or a bad signature. */
  INVALID_CRL("refresh the CRLs from the PCS/PCCS"),
  /** A CRL's nextUpdate is before the evaluation time. */
  CRL_EXPIRED("the CRL is stale; refresh it from the PCS/PCCS"),
  /** A CRL's thisUpdate is after the evaluation time. */
  CRL_NOT_YET_VALID("check the evaluation time and the clock"),
  /** A chain does not lead to a configured trust anchor. */
  UNTRUSTED_ROOT("the chain does not end at a configured trust anchor (the Intel SGX Root CA unless others are configured)"),
  /** The TCB info / QE identity signing chain is invalid. */
  INVALID_SIGNING_CHAIN("the TCB signing certificate chain is invalid; refresh the collateral from the PCS/PCCS"),
  /** A signing-chain certificate has expired. */
  SIGNING_CERT_EXPIRED("the TCB signing certificate has expired; refresh the collateral"),
  /** A signing-chain certificate is not yet valid. */
  SIGNING_CERT_NOT_YET_VALID("check the evaluation time and the clock"),
  /** A signing-chain certificate is revoked by the root CA CRL. */
  SIGNING_CERT_REVOKED("the TCB signing certificate is revoked; refresh the collateral"),
  /** The TCB info is malformed. */
  INVALID_TCB_INFO("refresh the TCB info from the PCS/PCCS"),
  /** The TCB info signature does not verify. */
  TCB_INFO_SIGNATURE_INVALID("the TCB info was altered or signed by the wrong key; refresh it"),
  /** The TCB info's nextUpdate is before the evaluation time. */
  TCB_INFO_EXPIRED("the TCB info is stale; fetch a current one for this FMSPC"),
  /** The TCB info's issueDate is after the evaluation time. */
  TCB_INFO_NOT_YET_VALID("check the evaluation time and the clock"),
  /** The TCB info does not belong to this platform or TEE type. */
  TCB_INFO_MISMATCH("fetch the TCB info for the FMSPC and PCE-ID in the quote's PCK certificate and its TEE type"),
  /** The collateral's TCB evaluation data number is below the configured minimum. */
  TCB_EVALUATION_DATA_NUMBER_TOO_LOW("fetch collateral at or above the required TCB evaluation data number"),
  /** The QE identity is malformed. */
  INVALID_QE_IDENTITY("refresh the QE identity from the PCS/PCCS"),
  /** The QE identity signature does not verify. */
  QE_IDENTITY_SIGNATURE_INVALID("the QE identity was altered or signed by the wrong key; refresh it"),
  /** The QE identity's nextUpdate is before the evaluation time. */
  QE_IDENTITY_EXPIRED("the QE identity is stale; refresh it"),
  /** The QE identity's issueDate is after the evaluation time. */
  QE_IDENTITY_NOT_YET_VALID("check the evaluation time and the clock"),
  /** The QE report does not match the QE identity, or the identity is of the wrong kind. */
  QE_IDENTITY_MISMATCH("the quoting enclave is not the one Intel's QE identity describes"),
  /** No QE identity TCB level covers the QE's ISVSVN. */
  QE_TCB_NOT_SUPPORTED("the quoting enclave's SVN is below every level in the QE identity"),
  /** The QE report signature does not verify with the PCK key. */
  INVALID_QE_REPORT_SIGNATURE("the QE report was not signed by this platform's PCK key"),
  /** The QE report data does not bind the attestation key and authentication data. */
  INVALID_QE_REPORT_DATA("the attestation key is not the one the quoting enclave certified"),
  /** The quote signature does not verify with the attestation key. */
  INVALID_QUOTE_SIGNATURE("the quote was altered after it was signed"),
  /** No TCB level of the TCB info matches the platform. */
  TCB_NOT_SUPPORTED("no TCB level matches the platform's SVNs; update the platform or fetch newer collateral"),
  /** The TDX module identity does not match the TCB info. */
  TDX_MODULE_MISMATCH("the TDX module signer/attributes or version do not match the TCB info"),
  /** The platform, TDX module or QE TCB is revoked. */
  TCB_REVOKED("the platform's TCB is revoked; it must not be trusted"),
  /** The verified quote violates the caller's policy. */
  POLICY_VIOLATION("the quote verified but the policy does not accept it");

  private final String hint;

  Reason(String hint) {
    this.hint = hint;
  }

  /** Returns what the user should do about this failure. */
  public String hint() {
    return hint;
  }
}
