package io.kubesgx.verifier;

import io.kubesgx.collateral.EnclaveTcbLevel;
import io.kubesgx.collateral.TcbInfo;
import io.kubesgx.collateral.TcbLevel;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.collateral.TdxModuleIdentity;
import io.kubesgx.common.Bytes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * TCB level matching and status convergence with Intel QVL semantics (dcap-verification.md §6
 * steps 9 to 11 and §7.2).
 */
public final class TcbEvaluator {
  private TcbEvaluator() {}

  /** The platform levels matched for a quote. */
  public record PlatformMatch(TcbLevel sgxLevel, TcbLevel level) {}

  /** The TDX module identity outcome; {@code level} is empty when the module version is 0. */
  public record ModuleMatch(Optional<TdxModuleIdentity> identity, Optional<EnclaveTcbLevel> level) {
    /** Returns the module status (UpToDate when no module identity applies). */
    public TcbStatus status() {
      return level.map(EnclaveTcbLevel::status).orElse(TcbStatus.UP_TO_DATE);
    }
  }

  /**
   * Finds the platform TCB level.
   *
   * <p>spec: step 9 items 3-5. SGX: the first level (sorted as Intel sorts) whose 16 SGX component
   * SVNs and PCESVN are all ≤ the PCK's. TDX: the first level that passes that test and whose TDX
   * components from index {@code start} (2 when TEE_TCB_SVN[1] > 0, else 0) are ≤ TEE_TCB_SVN.
   *
   * @param teeTcbSvn TEE_TCB_SVN for a TDX quote, empty for SGX
   * @throws AttestationException {@link Reason#TCB_NOT_SUPPORTED} when no level matches
   */
  public static PlatformMatch matchPlatform(
      TcbInfo info, List<Integer> pckComponents, int pceSvn, Optional<Bytes> teeTcbSvn)
      throws AttestationException {
    if (pckComponents.size() != 16) {
      throw new AttestationException(Reason.INVALID_PCK_CERT, "PCK certificate must carry 16 TCB components");
    }
    List<TcbLevel> levels = sorted(info.tcbLevels());
    TcbLevel sgxLevel = null;
    for (TcbLevel l : levels) {
      if (!sgxPasses(l, pckComponents, pceSvn)) {
        continue;
      }
      if (sgxLevel == null) {
        sgxLevel = l;
      }
      if (teeTcbSvn.isEmpty()) {
        return new PlatformMatch(l, l);
      }
      if (tdxPasses(l, teeTcbSvn.get())) {
        return new PlatformMatch(sgxLevel, l);
      }
    }
    throw new AttestationException(
        Reason.TCB_NOT_SUPPORTED,
        "no TCB level in the TCB info for FMSPC " + info.fmspc().hex() + " matches PCK components "
            + pckComponents + " / PCESVN " + pceSvn
            + teeTcbSvn.map(t -> " / TEE_TCB_SVN " + t.hex()).orElse("")
            + (sgxLevel != null ? " (an SGX level matched but no TDX level)" : ""));
  }

  private static boolean sgxPasses(TcbLevel l, List<Integer> comps, int pceSvn) {
    for (int i = 0; i < 16; i++) {
      if (comps.get(i) < l.sgxComponents().get(i)) {
        return false;
      }
    }
    return pceSvn >= l.pceSvn();
  }

  private static boolean tdxPasses(TcbLevel l, Bytes teeTcbSvn) throws AttestationException {
    if (l.tdxComponents().isEmpty()) {
      throw new AttestationException(Reason.INVALID_TCB_INFO, "TDX TCB level has no tdxtcbcomponents");
    }
    List<Integer> tdx = l.tdxComponents().get();
    int start = teeTcbSvn.get(1) > 0 ? 2 : 0;
    for (int i = start; i < 16; i++) {
      if (teeTcbSvn.get(i) < tdx.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** Sorts levels as Intel does: SGX components, then PCESVN, then TDX components, descending. */
  static List<TcbLevel> sorted(List<TcbLevel> levels) {
    List<TcbLevel> l = new ArrayList<>(levels);
    l.sort(LEVEL_ORDER.reversed());
    return l;
  }

  private static int compareLists(List<Integer> a, List<Integer> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static final Comparator<TcbLevel> LEVEL_ORDER =
      (x, y) -> {
        int c = compareLists(x.sgxComponents(), y.sgxComponents());
        if (c != 0) {
          return c;
        }
        c = Integer.compare(x.pceSvn(), y.pceSvn());
        if (c != 0) {
          return c;
        }
        return compareLists(x.tdxComponents().orElse(List.of()), y.tdxComponents().orElse(List.of()));
      };

  /**
   * Checks the TDX module identity and finds the module TCB level.
   *
   * <p>spec: step 9 item 6. ver = TEE_TCB_SVN[1]; ver > 0 selects identity {@code TDX_<ver as two
   * upper-case hex digits>} (missing ⇒ TDX_MODULE_MISMATCH); MRSIGNERSEAM must equal the expected
   * signer; SEAMATTRIBUTES must be all zero and equal to the expected attributes (Intel ignores the
   * mask); the module level is the first with isvsvn ≤ TEE_TCB_SVN[0] (none ⇒ TCB_NOT_SUPPORTED).
   */
  public static ModuleMatch matchModule(
      TcbInfo info, Bytes teeTcbSvn, Bytes mrSignerSeam, Bytes seamAttributes)
      throws AttestationException {
    if (info.tdxModule().isEmpty()) {
      throw new AttestationException(Reason.INVALID_TCB_INFO, "TDX TCB info has no tdxModule");
    }
    Bytes expectedSigner = info.tdxModule().get().mrSigner();
    Bytes expectedAttributes = info.tdxModule().get().attributes();
    int ver = teeTcbSvn.get(1);
    Optional<TdxModuleIdentity> identity = Optional.empty();
    if (ver > 0) {
      identity = findModuleIdentity(info, ver);
      expectedSigner = identity.get().mrSigner();
      expectedAttributes = identity.get().attributes();
    }
    if (!mrSignerSeam.equals(expectedSigner)) {
      throw new AttestationException(
          Reason.TDX_MODULE_MISMATCH,
          "MRSIGNERSEAM " + mrSignerSeam.hex() + " does not match the TCB info's TDX module signer " + expectedSigner.hex());
    }
    if (!seamAttributes.isAllZero() || !seamAttributes.equals(expectedAttributes)) {
      throw new AttestationException(
          Reason.TDX_MODULE_MISMATCH,
          "SEAMATTRIBUTES " + seamAttributes.hex() + " must be zero and equal the TCB info's " + expectedAttributes.hex());
    }
    if (identity.isEmpty()) {
      return new ModuleMatch(Optional.empty(), Optional.empty());
    }
    return new ModuleMatch(identity, Optional.of(moduleLevel(identity.get(), teeTcbSvn.get(0))));
  }

  /** Returns the module identity for major version {@code ver} or fails with TDX_MODULE_MISMATCH. */
  static Optional<TdxModuleIdentity> findModuleIdentity(TcbInfo info, int ver) throws AttestationException {
    String want = String.format(Locale.ROOT, "TDX_%02X", ver);
    for (TdxModuleIdentity id : info.tdxModuleIdentities()) {
      if (id.id().toUpperCase(Locale.ROOT).equals(want)) {
        return Optional.of(id);
      }
    }
    throw new AttestationException(
        Reason.TDX_MODULE_MISMATCH, "the TCB info has no TDX module identity " + want + " for module major version " + ver);
  }

  /** Returns the module level for module SVN {@code isvSvn}. */
  static EnclaveTcbLevel moduleLevel(TdxModuleIdentity id, int isvSvn) throws AttestationException {
    List<EnclaveTcbLevel> levels = new ArrayList<>(id.tcbLevels());
    levels.sort(Comparator.comparingInt(EnclaveTcbLevel::isvSvn).reversed());
    for (EnclaveTcbLevel l : levels) {
      if (l.isvSvn() <= isvSvn) {
        return l;
      }
    }
    throw new AttestationException(
        Reason.TCB_NOT_SUPPORTED, "TDX module SVN " + isvSvn + " is below every level of module identity " + id.id());
  }

  /**
   * Module status for the TCB-level vectors: the module level for TEE_TCB_SVN without the signer
   * checks; empty when the module major version is 0.
   */
  public static Optional<EnclaveTcbLevel> moduleLevelFor(TcbInfo info, Bytes teeTcbSvn) throws AttestationException {
    int ver = teeTcbSvn.get(1);
    if (ver == 0) {
      return Optional.empty();
    }
    return Optional.of(moduleLevel(findModuleIdentity(info, ver).get(), teeTcbSvn.get(0)));
  }

  /**
   * Converges a status with an OutOfDate-class status (module or QE) as Intel does: UpToDate and
   * SWHardeningNeeded become OutOfDate; ConfigurationNeeded and ConfigurationAndSWHardeningNeeded
   * become OutOfDateConfigurationNeeded; anything else is unchanged.
   */
  static TcbStatus convergeWithOutOfDate(TcbStatus p) {
    switch (p) {
      case UP_TO_DATE:
      case SW_HARDENING_NEEDED:
        return TcbStatus.OUT_OF_DATE;
      case CONFIGURATION_NEEDED:
      case CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
      default:
        return p;
    }
  }

  /** The QE status class of §6 step 7: UpToDate, Revoked, or OutOfDate for every other value. */
  static TcbStatus qeClass(TcbStatus qeLevelStatus) {
    if (qeLevelStatus == TcbStatus.UP_TO_DATE || qeLevelStatus == TcbStatus.REVOKED) {
      return qeLevelStatus;
    }
    return TcbStatus.OUT_OF_DATE;
  }

  /**
   * Merges platform, module and QE statuses (§7.2, Intel's order); Revoked anywhere is a hard failure.
   *
   * @param moduleStatus the TDX module status, empty for SGX
   */
  public static TcbStatus merge(TcbStatus platform, Optional<TcbStatus> moduleStatus, TcbStatus qeLevelStatus)
      throws AttestationException {
    return merge(platform, moduleStatus, qeLevelStatus, null);
  }

  /** What the TD 1.5 relaunch check needs besides the statuses. */
  record RelaunchInput(TcbInfo info, TcbStatus sgxLevelStatus, Bytes teeTcbSvn2) {}

  /**
   * Merges as {@link #merge(TcbStatus, Optional, TcbStatus)} and, for a TD 1.5 quote, runs Intel's
   * relaunch check between the module and the QE merge (dcap-verification.md §7.3).
   *
   * @param match the platform match (its SGX level's status feeds the check)
   * @param teeTcbSvn2 TEE_TCB_SVN2 of the TD 1.5 report
   */
  public static TcbStatus mergeTd15(
      TcbInfo info, PlatformMatch match, Optional<TcbStatus> moduleStatus, TcbStatus qeLevelStatus, Bytes teeTcbSvn2)
      throws AttestationException {
    return merge(match.level().status(), moduleStatus, qeLevelStatus,
        new RelaunchInput(info, match.sgxLevel().status(), teeTcbSvn2));
  }

  private static TcbStatus merge(
      TcbStatus platform, Optional<TcbStatus> moduleStatus, TcbStatus qeLevelStatus, RelaunchInput relaunch)
      throws AttestationException {
    if (platform == TcbStatus.REVOKED) {
      throw new AttestationException(Reason.TCB_REVOKED, "the platform TCB level is Revoked");
    }
    TcbStatus s = platform;
    if (moduleStatus.isPresent()) {
      switch (moduleStatus.get()) {
        case REVOKED:
          throw new AttestationException(Reason.TCB_REVOKED, "the TDX module TCB level is Revoked");
        case OUT_OF_DATE:
          s = convergeWithOutOfDate(s);
          break;
        case UP_TO_DATE:
          break;
        default:
          throw new AttestationException(
              Reason.INVALID_TCB_INFO, "TDX module status " + moduleStatus.get().jsonName() + " is not allowed");
      }
    }
    TcbStatus qe = qeClass(qeLevelStatus);
    if (relaunch != null && moduleStatus.isPresent()) {
      s = relaunchCheck(relaunch, s, moduleStatus.get(), qe);
    }
    if (qe == TcbStatus.REVOKED) {
      throw new AttestationException(Reason.TCB_REVOKED, "the quoting enclave's TCB level is Revoked");
    }
    if (qe == TcbStatus.OUT_OF_DATE) {
      s = convergeWithOutOfDate(s);
    }
    return s;
  }

  /**
   * Intel's TD 1.5 relaunch check (dcap-verification.md §7.3, {@code TDRelaunchCheck.cpp}): when
   * the QE is UpToDate, the SGX level is UpToDate-class, the module-merged TDX status is
   * OutOfDate-class and the module status is OutOfDate, a TEE_TCB_SVN2 that reaches the newest
   * module turns the status into TD_RELAUNCH_ADVISED (or its configuration-needed variant).
   */
  static TcbStatus relaunchCheck(RelaunchInput in, TcbStatus tdxStatus, TcbStatus moduleStatus, TcbStatus qeClass)
      throws AttestationException {
    boolean sgxUpToDateClass =
        in.sgxLevelStatus() == TcbStatus.UP_TO_DATE || in.sgxLevelStatus() == TcbStatus.SW_HARDENING_NEEDED
            || isConfigurationNeeded(in.sgxLevelStatus());
    boolean tdxOutOfDateClass =
        tdxStatus == TcbStatus.OUT_OF_DATE || tdxStatus == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
    if (qeClass != TcbStatus.UP_TO_DATE || !sgxUpToDateClass || !tdxOutOfDateClass
        || moduleStatus != TcbStatus.OUT_OF_DATE) {
      return tdxStatus;
    }
    List<Integer> top = sorted(in.info().tcbLevels()).get(0).tdxComponents()
        .orElseThrow(() -> new AttestationException(Reason.INVALID_TCB_INFO, "TDX TCB level has no tdxtcbcomponents"));
    Bytes svn2 = in.teeTcbSvn2();
    int required0;
    if (svn2.get(1) == 0) {
      required0 = top.get(0);
    } else {
      TdxModuleIdentity id = findModuleIdentity(in.info(), svn2.get(1)).get();
      required0 = id.tcbLevels().stream().mapToInt(EnclaveTcbLevel::isvSvn).max().orElse(Integer.MAX_VALUE);
    }
    if (svn2.get(0) < required0 || svn2.get(2) < top.get(2)) {
      return tdxStatus;
    }
    return isConfigurationNeeded(in.sgxLevelStatus()) || tdxStatus == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED
        ? TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
        : TcbStatus.TD_RELAUNCH_ADVISED;
  }

  private static boolean isConfigurationNeeded(TcbStatus s) {
    return s == TcbStatus.CONFIGURATION_NEEDED || s == TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED
        || s == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
  }

  /** Unions advisory ID lists, de-duplicated, order preserved. */
  static List<String> union(List<String> a, List<String> b, List<String> c) {
    LinkedHashSet<String> s = new LinkedHashSet<>(a);
    s.addAll(b);
    s.addAll(c);
    return List.copyOf(s);
  }
}
