package io.kubesgx.sim;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.collateral.Collateral;
import io.kubesgx.sim.collateral.CollateralBuilder;
import io.kubesgx.sim.collateral.EnclaveLevelSpec;
import io.kubesgx.sim.collateral.QeIdentityBuilder;
import io.kubesgx.sim.collateral.TcbInfoBuilder;
import io.kubesgx.sim.collateral.TcbLevelSpec;
import io.kubesgx.sim.pki.CrlSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The signed collateral of one simulated platform under one {@link Scenario}: TCB info v3 for the
 * platform's FMSPC, QE identity v2, the PCK CRL of the Processor CA and the root CA CRL, each with
 * its issuer chain, in the exact byte forms the Intel PCS serves.
 *
 * <p>Collateral is issued at the start of the current UTC day and is valid for {@link #VALIDITY}
 * (so every response of one day is byte-identical); {@link Scenario#EXPIRED_COLLATERAL} issues it
 * 60 days ago with a nextUpdate 30 days ago.
 */
public final class SimCollateral {
  /** How long simulated TCB info, QE identity and CRLs stay valid. */
  public static final Duration VALIDITY = Duration.ofDays(30);
  /** TCB evaluation data number of every scenario but {@link Scenario#TCB_RECOVERY}, which adds one. */
  public static final long BASE_EVALUATION_DATA_NUMBER = 17;

  private final Scenario scenario;
  private final long evaluationDataNumber;
  private final CollateralBuilder builder;
  private final String fmspc;
  // Signed forms, computed once (each costs an ECDSA signature).
  private final Memo<String> tcbInfoBody = new Memo<>();
  private final Memo<String> qeIdentityBody = new Memo<>();
  private final Memo<String> dcapQvlJson = new Memo<>();
  private final Memo<byte[]> pckCrlDer = new Memo<>();
  private final Memo<byte[]> rootCaCrlDer = new Memo<>();

  private SimCollateral(Scenario scenario, long evaluationDataNumber, CollateralBuilder builder, String fmspc) {
    this.scenario = scenario;
    this.evaluationDataNumber = evaluationDataNumber;
    this.builder = builder;
    this.fmspc = fmspc;
  }

  /**
   * Returns the collateral of {@code platform} under {@code scenario} at {@code now}; {@code
   * evaluationDataNumber} selects an older TCB evaluation (only the recovery scenario has two:
   * {@link #BASE_EVALUATION_DATA_NUMBER} before the recovery and one more after it), null the newest.
   */
  public static SimCollateral of(SimPlatform platform, Scenario scenario, Instant now, Long evaluationDataNumber) {
    long newest = newestEvaluationDataNumber(scenario);
    long n = evaluationDataNumber == null ? newest : evaluationDataNumber;
    if (n < BASE_EVALUATION_DATA_NUMBER || n > newest) {
      throw new IllegalArgumentException(
          "tcbEvaluationDataNumber " + n + " is not available; this platform's PCS serves "
              + BASE_EVALUATION_DATA_NUMBER + (newest > BASE_EVALUATION_DATA_NUMBER ? ".." + newest : ""));
    }
    boolean recovered = scenario == Scenario.TCB_RECOVERY && n == newest;
    Instant day = now.truncatedTo(ChronoUnit.DAYS);
    Instant issue = scenario == Scenario.EXPIRED_COLLATERAL ? day.minus(60, ChronoUnit.DAYS) : day;
    if (scenario == Scenario.TCB_RECOVERY && !recovered) {
      issue = day.minus(15, ChronoUnit.DAYS);
    }
    Instant next = scenario == Scenario.EXPIRED_COLLATERAL ? day.minus(30, ChronoUnit.DAYS) : issue.plus(VALIDITY);
    PlatformConfig cfg = platform.config();
    String fmspc = cfg.fmspc().hex();

    TcbInfoBuilder tcb =
        TcbInfoBuilder.sgx().fmspc(fmspc).pceId(cfg.pceId().hex()).validity(issue, next).tcbEvaluationDataNumber(n);
    for (TcbLevelSpec level : levels(cfg, scenario, recovered, day)) {
      tcb.level(level);
    }
    QeIdentityBuilder qe =
        QeIdentityBuilder.qe(platform.qeEnclave().mrSigner())
            .isvProdId(SimPlatform.QE_PROD_ID)
            .validity(issue, next)
            .tcbEvaluationDataNumber(n);
    qe.level(new EnclaveLevelSpec(cfg.qeSvn(), day.minus(400, ChronoUnit.DAYS), "UpToDate", List.of()));
    if (cfg.qeSvn() > 1) {
      qe.level(new EnclaveLevelSpec(cfg.qeSvn() - 1, day.minus(800, ChronoUnit.DAYS), "OutOfDate",
          List.of("INTEL-SA-00615")));
    }
    Instant crlThis = scenario == Scenario.EXPIRED_COLLATERAL ? day : issue;
    CrlSpec pckCrl = CrlSpec.of(crlThis, crlThis.plus(VALIDITY));
    if (scenario == Scenario.REVOKED_PCK) {
      pckCrl = pckCrl.revoking(platform.pck().serial());
    }
    CollateralBuilder b =
        CollateralBuilder.newBuilder(platform.pki())
            .tcbInfo(tcb)
            .qeIdentity(qe)
            .pckCa(cfg.pckCa())
            .pckCrl(pckCrl)
            .rootCaCrl(CrlSpec.of(crlThis, crlThis.plus(VALIDITY)));
    return new SimCollateral(scenario, n, b, fmspc);
  }

  /** Returns the newest TCB evaluation data number the scenario serves. */
  public static long newestEvaluationDataNumber(Scenario scenario) {
    return scenario == Scenario.TCB_RECOVERY ? BASE_EVALUATION_DATA_NUMBER + 1 : BASE_EVALUATION_DATA_NUMBER;
  }

  private static List<TcbLevelSpec> levels(PlatformConfig cfg, Scenario scenario, boolean recovered, Instant day) {
    int[] c = cfg.components();
    int p = cfg.pceSvn();
    List<TcbLevelSpec> out = new ArrayList<>();
    Instant platformDate = day.minus(200, ChronoUnit.DAYS);
    boolean newerLevel;
    String status;
    List<String> advisories;
    switch (scenario) {
      case OUT_OF_DATE:
      case OUT_OF_DATE_CONFIGURATION_NEEDED:
      case REVOKED_TCB:
        newerLevel = true;
        status = scenario.platformLevelStatus();
        advisories = scenario.advisoryIds();
        break;
      case TCB_RECOVERY:
        newerLevel = recovered;
        status = recovered ? "OutOfDate" : "UpToDate";
        advisories = recovered ? scenario.advisoryIds() : List.of();
        break;
      default:
        newerLevel = false;
        status = scenario.platformLevelStatus();
        advisories = scenario.advisoryIds();
        break;
    }
    if (newerLevel) {
      int[] up = c.clone();
      up[0] = Math.min(255, up[0] + 1);
      up[1] = Math.min(255, up[1] + 1);
      Instant date = scenario == Scenario.TCB_RECOVERY ? day.minus(1, ChronoUnit.DAYS) : day.minus(30, ChronoUnit.DAYS);
      out.add(level(up, p + 1, "UpToDate", List.of(), date));
    }
    out.add(level(c, p, status, advisories, platformDate));
    if (p > 0) {
      out.add(level(c, p - 1, "OutOfDate", union(advisories, "INTEL-SA-00477"), platformDate.minus(365, ChronoUnit.DAYS)));
    }
    if (c[0] > 0) {
      int[] low = c.clone();
      low[0] -= 1;
      out.add(level(low, p, "OutOfDate", union(advisories, "INTEL-SA-00334"), platformDate.minus(500, ChronoUnit.DAYS)));
    }
    return out;
  }

  private static List<String> union(List<String> a, String extra) {
    List<String> l = new ArrayList<>(a);
    if (!l.contains(extra)) {
      l.add(extra);
    }
    l.sort(null);
    return l;
  }

  private static TcbLevelSpec level(int[] comps, int pceSvn, String status, List<String> adv, Instant date) {
    return TcbLevelSpec.sgx(date, comps, pceSvn, status).withStatus(status, adv);
  }

  /** Returns the scenario. */
  public Scenario scenario() {
    return scenario;
  }

  /** Returns the TCB evaluation data number of the TCB info and QE identity. */
  public long tcbEvaluationDataNumber() {
    return evaluationDataNumber;
  }

  /** Returns the FMSPC (lower-case hex). */
  public String fmspc() {
    return fmspc;
  }

  /** Returns the PCS body {@code {"tcbInfo":…,"signature":"…"}}. */
  public String tcbInfoBody() {
    return tcbInfoBody.get(() -> builder.tcbInfoBody());
  }

  /** Returns the PCS body {@code {"enclaveIdentity":…,"signature":"…"}}. */
  public String qeIdentityBody() {
    return qeIdentityBody.get(() -> builder.qeIdentityBody());
  }

  /** Returns the TCB info and QE identity issuer chain as PEM, signer first. */
  public String tcbSignChainPem() {
    return builder.tcbSignChainPem();
  }

  /** Returns the PCK CRL issuer chain as PEM (the platform's PCK CA, root). */
  public String pckCrlIssuerChainPem() {
    return builder.pckSignChainPem();
  }

  /** Returns the DER PCK CRL of the platform's PCK CA. */
  public byte[] pckCrlDer() {
    return pckCrlDer.get(() -> builder.pckCrlDer()).clone();
  }

  /** Returns the DER root CA CRL. */
  public byte[] rootCaCrlDer() {
    return rootCaCrlDer.get(() -> builder.rootCaCrlDer()).clone();
  }

  /** Returns the collateral in dcap-qvl's {@code QuoteCollateralV3} JSON shape. */
  public String toDcapQvlJson() {
    return dcapQvlJson.get(() -> builder.toDcapQvlJson());
  }

  /** Returns the collateral parsed for kubesgx's verifier. */
  public Collateral toCollateral() throws MalformedInputException {
    return builder.build();
  }

  /** A value computed on first use and then shared (racing threads may both compute it; the results are equal). */
  private static final class Memo<T> {
    private volatile T value;

    T get(Supplier<T> compute) {
      T v = value;
      if (v == null) {
        v = compute.get();
        value = v;
      }
      return v;
    }
  }
}
