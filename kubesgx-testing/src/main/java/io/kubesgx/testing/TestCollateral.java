package io.kubesgx.testing;

import io.kubesgx.sim.collateral.CollateralBuilder;
import io.kubesgx.sim.collateral.EnclaveLevelSpec;
import io.kubesgx.sim.collateral.QeIdentityBuilder;
import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.collateral.TcbLevelSpec;
import io.kubesgx.sim.pki.CrlSpec;
import io.kubesgx.sim.pki.DcapPki;
import java.time.Instant;
import java.util.List;

/**
 * The test presets of the collateral writers: a fixed collateral window, FMSPC, evaluation number,
 * TCB date and the test QE's MRSIGNER, so tests and the generated vectors stay reproducible.
 *
 * <pre>{@code
 * Collateral c = TestCollateral.newBuilder(TestPki.standard())
 *     .tcbInfo(TestCollateral.sgxTcbInfo().level(TestCollateral.sgxLevel(new int[] {5, 5}, 11, "UpToDate")))
 *     .qeIdentity(TestCollateral.qeIdentity().level(TestCollateral.qeLevel(8, "UpToDate")))
 *     .build();
 * }</pre>
 */
public final class TestCollateral {
  /** Default issueDate of test collateral. */
  public static final Instant DEFAULT_ISSUE_DATE = Instant.parse("2025-06-01T00:00:00Z");
  /** Default nextUpdate of test collateral. */
  public static final Instant DEFAULT_NEXT_UPDATE = Instant.parse("2025-07-01T00:00:00Z");
  /** Default FMSPC, equal to {@link TestPki#pckSpec()}'s. */
  public static final String DEFAULT_FMSPC = "00a0670f0000";
  /** Default tcbEvaluationDataNumber. */
  public static final long DEFAULT_EVALUATION_DATA_NUMBER = 17;
  /** Default tcbDate of levels. */
  public static final Instant DEFAULT_TCB_DATE = Instant.parse("2025-05-14T00:00:00Z");

  private TestCollateral() {}

  /** Returns a collateral builder for {@code pki} with empty root and PCK CRLs over the default window. */
  public static CollateralBuilder newBuilder(DcapPki pki) {
    return CollateralBuilder.newBuilder(pki)
        .rootCaCrl(defaultCrl())
        .pckCrl(defaultCrl());
  }

  /** Returns an empty CRL spec valid over the default collateral window. */
  public static CrlSpec defaultCrl() {
    return CrlSpec.of(DEFAULT_ISSUE_DATE, DEFAULT_NEXT_UPDATE);
  }

  /** Returns an SGX TCB info v3 builder with the default FMSPC, window and evaluation number. */
  public static TcbInfoBuilder sgxTcbInfo() {
    return preset(TcbInfoBuilder.sgx());
  }

  /** Returns a TDX TCB info v3 builder with the default FMSPC, window and evaluation number. */
  public static TcbInfoBuilder tdxTcbInfo() {
    return preset(TcbInfoBuilder.tdx());
  }

  /** Returns an SGX TCB info v2 builder with the default FMSPC, window and evaluation number. */
  public static TcbInfoBuilder sgxV2TcbInfo() {
    return preset(TcbInfoBuilder.sgxV2());
  }

  private static TcbInfoBuilder preset(TcbInfoBuilder b) {
    return b.fmspc(DEFAULT_FMSPC)
        .validity(DEFAULT_ISSUE_DATE, DEFAULT_NEXT_UPDATE)
        .tcbEvaluationDataNumber(DEFAULT_EVALUATION_DATA_NUMBER);
  }

  /** Returns the QE identity of {@link QuoteBuilder}'s test QE over the default window. */
  public static QeIdentityBuilder qeIdentity() {
    return QeIdentityBuilder.qe(QuoteBuilder.TEST_QE_MRSIGNER)
        .validity(DEFAULT_ISSUE_DATE, DEFAULT_NEXT_UPDATE)
        .tcbEvaluationDataNumber(DEFAULT_EVALUATION_DATA_NUMBER);
  }

  /** Returns the TD QE identity of {@link QuoteBuilder}'s test TD QE over the default window. */
  public static QeIdentityBuilder tdQeIdentity() {
    return QeIdentityBuilder.tdQe(QuoteBuilder.TEST_TD_QE_MRSIGNER)
        .validity(DEFAULT_ISSUE_DATE, DEFAULT_NEXT_UPDATE)
        .tcbEvaluationDataNumber(DEFAULT_EVALUATION_DATA_NUMBER);
  }

  /** Returns an SGX TCB level dated {@link #DEFAULT_TCB_DATE}. */
  public static TcbLevelSpec sgxLevel(int[] components, int pceSvn, String status, String... advisoryIds) {
    return TcbLevelSpec.sgx(DEFAULT_TCB_DATE, components, pceSvn, status, advisoryIds);
  }

  /** Returns a QE identity level dated {@link #DEFAULT_TCB_DATE}. */
  public static EnclaveLevelSpec qeLevel(int isvSvn, String status, String... advisoryIds) {
    return new EnclaveLevelSpec(isvSvn, DEFAULT_TCB_DATE, status, List.of(advisoryIds));
  }
}
