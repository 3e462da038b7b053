package io.kubesgx.verifier;

/** Whether CRLs are required. */
public enum RevocationMode {
  /** Default: the root CA CRL and the PCK CRL are required, current and checked. */
  REQUIRE_CRLS,
  /**
   * DANGEROUS: CRLs that are present are still checked, but missing CRLs are tolerated; the result
   * records that revocation was not fully checked. A revoked platform may be accepted.
   */
  INSECURE_ALLOW_MISSING_CRLS
}
