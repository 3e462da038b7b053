package io.kubesgx.keybroker.policy;

import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.verifier.VerifiedQuote;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Claims of a quote the broker verified itself (the KBS path), under the claim names our attestation
 * service puts into its tokens ({@code x-ms-sgx-mrsigner}, {@code x-ms-sgx-is-debuggable}, {@code
 * x-ms-sgx-svn}, {@code x-kubesgx-tcb-status}, …), so one release policy can govern both the Key
 * Vault release path and the KBS path. Only a {@link VerifiedQuote} — which only our verifier makes
 * — can become {@link VerifiedClaims} here.
 */
public final class QuoteClaims {
  private QuoteClaims() {}

  /**
   * Returns the claims of an SGX enclave quote, issued by {@code authority} (the policy's {@code
   * authority} must name it).
   *
   * @throws IllegalArgumentException when the quote is not an SGX enclave quote
   */
  public static VerifiedClaims of(String authority, VerifiedQuote q) {
    EnclaveReportBody r = q.enclaveReport().orElseThrow(() -> new IllegalArgumentException("not an SGX enclave quote"));
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("iss", authority);
    c.put("x-ms-attestation-type", "sgx");
    c.put("x-ms-sgx-is-debuggable", r.isDebug());
    c.put("x-ms-sgx-mrenclave", r.mrEnclave().hex());
    c.put("x-ms-sgx-mrsigner", r.mrSigner().hex());
    c.put("x-ms-sgx-product-id", (long) r.isvProdId());
    c.put("x-ms-sgx-svn", (long) r.isvSvn());
    c.put("x-ms-sgx-report-data", q.reportData().hex());
    c.put("x-ms-sgx-config-id", r.configId().hex());
    c.put("x-ms-sgx-config-svn", (long) r.configSvn());
    c.put("x-ms-sgx-isv-extended-product-id", r.isvExtProdId().hex());
    c.put("x-ms-sgx-isv-family-id", r.isvFamilyId().hex());
    c.put("x-ms-ver", "1.0");
    c.put("x-kubesgx-tcb-status", q.status().jsonName());
    c.put("x-kubesgx-advisory-ids", q.advisoryIds());
    c.put("x-kubesgx-qe-status", q.qeStatus().jsonName());
    c.put("x-kubesgx-tcb-date", q.tcbDate().getEpochSecond());
    c.put("x-kubesgx-tcb-evaluation-data-number", q.tcbEvaluationDataNumber());
    c.put("x-kubesgx-collateral-expiry", q.earliestExpiry().getEpochSecond());
    c.put("x-kubesgx-simulated", q.isSimulated());
    c.put("x-kubesgx-fmspc", q.fmspc().hex());
    c.put("x-kubesgx-pck-ca", q.pckCa().name().toLowerCase(Locale.ROOT));
    c.put("x-kubesgx-trust-anchor", q.trustAnchor().name());
    return new VerifiedClaims(authority, c);
  }
}
