package io.kubesgx.verifier;

import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.Bytes;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.TdReportBody;
import io.kubesgx.quote.TeeType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A quote whose signatures, certificate chains, revocation, collateral and TCB level have all been
 * verified. Only {@link QuoteVerifier} can construct one; downstream code (policy, token issuer, key
 * broker) accepts nothing else.
 */
public final class VerifiedQuote {
  /** A coarse verdict for humans. */
  public enum Summary {
    /** TCB is up to date. */
    SECURE,
    /** TCB needs software hardening or configuration changes, but is not out of date. */
    NEEDS_ATTENTION,
    /** TCB is out of date. */
    OUT_OF_DATE
  }

  private final Quote quote;
  private final TcbStatus status;
  private final TcbStatus platformStatus;
  private final Optional<TcbStatus> moduleStatus;
  private final TcbStatus qeStatus;
  private final List<String> advisoryIds;
  private final List<String> platformAdvisoryIds;
  private final List<String> moduleAdvisoryIds;
  private final List<String> qeAdvisoryIds;
  private final SgxExtensions pck;
  private final PckCa pckCa;
  private final Instant tcbDate;
  private final Instant qeTcbDate;
  private final long tcbEvaluationDataNumber;
  private final long qeTcbEvaluationDataNumber;
  private final Instant latestIssue;
  private final Instant earliestExpiry;
  private final TrustAnchor anchor;
  private final boolean revocationChecked;
  private final Map<String, Bytes> collateralDigests;
  private final Instant verifiedAt;

  VerifiedQuote(
      Quote quote,
      TcbStatus status,
      TcbStatus platformStatus,
      Optional<TcbStatus> moduleStatus,
      TcbStatus qeStatus,
      List<String> advisoryIds,
      List<String> platformAdvisoryIds,
      List<String> moduleAdvisoryIds,
      List<String> qeAdvisoryIds,
      SgxExtensions pck,
      PckCa pckCa,
      Instant tcbDate,
      Instant qeTcbDate,
      long tcbEvaluationDataNumber,
      long qeTcbEvaluationDataNumber,
      Instant latestIssue,
      Instant earliestExpiry,
      TrustAnchor anchor,
      boolean revocationChecked,
      Map<String, Bytes> collateralDigests,
      Instant verifiedAt) {
    this.quote = quote;
    this.status = status;
    this.platformStatus = platformStatus;
    this.moduleStatus = moduleStatus;
    this.qeStatus = qeStatus;
    this.advisoryIds = List.copyOf(advisoryIds);
    this.platformAdvisoryIds = List.copyOf(platformAdvisoryIds);
    this.moduleAdvisoryIds = List.copyOf(moduleAdvisoryIds);
    this.qeAdvisoryIds = List.copyOf(qeAdvisoryIds);
    this.pck = pck;
    this.pckCa = pckCa;
    this.tcbDate = tcbDate;
    this.qeTcbDate = qeTcbDate;
    this.tcbEvaluationDataNumber = tcbEvaluationDataNumber;
    this.qeTcbEvaluationDataNumber = qeTcbEvaluationDataNumber;
    this.latestIssue = latestIssue;
    this.earliestExpiry = earliestExpiry;
    this.anchor = anchor;
    this.revocationChecked = revocationChecked;
    this.collateralDigests = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(collateralDigests));
    this.verifiedAt = verifiedAt;
  }

  /** Returns the parsed quote (now verified). */
  public Quote quote() {
    return quote;
  }

  /** Returns the TEE type. */
  public TeeType teeType() {
    return quote.teeType();
  }

  /** Returns the SGX enclave report, when this is an SGX quote. */
  public Optional<EnclaveReportBody> enclaveReport() {
    return quote.body() instanceof EnclaveReportBody
        ? Optional.of((EnclaveReportBody) quote.body())
        : Optional.empty();
  }

  /** Returns the TD report, when this is a TDX quote. */
  public Optional<TdReportBody> tdReport() {
    return quote.body() instanceof TdReportBody
        ? Optional.of((TdReportBody) quote.body())
        : Optional.empty();
  }

  /** Returns the 64-byte REPORTDATA of the body. */
  public Bytes reportData() {
    return quote.body().reportData();
  }

  /** Returns true when the enclave or TD is a debug build. */
  public boolean isDebug() {
    return quote.body() instanceof EnclaveReportBody
        ? ((EnclaveReportBody) quote.body()).isDebug()
        : ((TdReportBody) quote.body()).isDebug();
  }

  /** Returns the final TCB status (platform, TDX module and QE converged as Intel's QVL does). */
  public TcbStatus status() {
    return status;
  }

  /** Returns the coarse verdict. */
  public Summary summary() {
    switch (status) {
      case UP_TO_DATE:
        return Summary.SECURE;
      case SW_HARDENING_NEEDED:
      case CONFIGURATION_NEEDED:
      case CONFIGURATION_AND_SW_HARDENING_NEEDED:
      case TD_RELAUNCH_ADVISED:
      case TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED:
        return Summary.NEEDS_ATTENTION;
      default:
        return Summary.OUT_OF_DATE;
    }
  }

  /** Returns the status of the matched platform TCB level (for TDX: the TDX level). */
  public TcbStatus platformStatus() {
    return platformStatus;
  }

  /** Returns the TDX module status when a module identity applied. */
  public Optional<TcbStatus> moduleStatus() {
    return moduleStatus;
  }

  /** Returns the QE identity level status of the quoting enclave. */
  public TcbStatus qeStatus() {
    return qeStatus;
  }

  /** Returns the union of platform, module and QE advisory IDs (platform first, de-duplicated). */
  public List<String> advisoryIds() {
    return advisoryIds;
  }

  /** Returns the advisory IDs of the matched platform level (what Intel's QvE reports). */
  public List<String> platformAdvisoryIds() {
    return platformAdvisoryIds;
  }

  /** Returns the advisory IDs of the matched TDX module level. */
  public List<String> moduleAdvisoryIds() {
    return moduleAdvisoryIds;
  }

  /** Returns the advisory IDs of the matched QE level. */
  public List<String> qeAdvisoryIds() {
    return qeAdvisoryIds;
  }

  /** Returns the PCK certificate's SGX extension (FMSPC, PCE-ID, PPID, TCB components, ...). */
  public SgxExtensions pck() {
    return pck;
  }

  /** Returns which Intel CA issued the PCK certificate. */
  public PckCa pckCa() {
    return pckCa;
  }

  /** Returns the FMSPC of the platform. */
  public Bytes fmspc() {
    return pck.fmspc();
  }

  /** Returns the PCE-ID of the platform. */
  public Bytes pceId() {
    return pck.pceId();
  }

  /** Returns the tcbDate of the matched platform level. */
  public Instant tcbDate() {
    return tcbDate;
  }

  /** Returns the tcbDate of the matched QE level. */
  public Instant qeTcbDate() {
    return qeTcbDate;
  }

  /** Returns the TCB info's evaluation data number. */
  public long tcbEvaluationDataNumber() {
    return tcbEvaluationDataNumber;
  }

  /** Returns the QE identity's evaluation data number. */
  public long qeTcbEvaluationDataNumber() {
    return qeTcbEvaluationDataNumber;
  }

  /** Returns the latest start of validity among all collateral items. */
  public Instant latestIssue() {
    return latestIssue;
  }

  /** Returns the earliest end of validity among all collateral items; tokens must not outlive it. */
  public Instant earliestExpiry() {
    return earliestExpiry;
  }

  /** Returns the trust anchor the chains ended at. */
  public TrustAnchor trustAnchor() {
    return anchor;
  }

  /** Returns true when the quote chains to a simulation root rather than real Intel hardware. */
  public boolean isSimulated() {
    return anchor.isSimulated();
  }

  /** Returns false when CRLs were missing and tolerated by an insecure option. */
  public boolean isRevocationChecked() {
    return revocationChecked;
  }

  /** Returns SHA-256 digests of every collateral input (audit trail). */
  public Map<String, Bytes> collateralDigests() {
    return collateralDigests;
  }

  /** Returns the instant the verification was evaluated at. */
  public Instant verifiedAt() {
    return verifiedAt;
  }

  /**
   * Returns true for a TD 1.5 quote, on which Intel's relaunch check (TD_RELAUNCH_ADVISED) ran;
   * false where it does not apply (SGX, TD 1.0).
   */
  public boolean isTdRelaunchCheckPerformed() {
    return quote.body() instanceof TdReportBody td && td.isTd15();
  }
}
