package io.kubesgx.collateral;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One platform TCB level of a TCB info: the 16 SGX component SVNs, the PCE SVN, for TDX the 16 TDX
 * component SVNs, and the status, date and advisories that apply when this level is matched.
 *
 * <p>Component {@code category}/{@code type} labels from the JSON are informational and not kept.
 *
 * @param sgxComponents the 16 {@code sgxtcbcomponents[i].svn} values (0..255), index order
 * @param pceSvn {@code pcesvn} (0..65535)
 * @param tdxComponents the 16 {@code tdxtcbcomponents[i].svn} values for TDX TCB info, else empty
 * @param tcbDate {@code tcbDate}
 * @param status {@code tcbStatus}
 * @param advisoryIds {@code advisoryIDs} in served order (empty when absent)
 */
public record TcbLevel(
    List<Integer> sgxComponents,
    int pceSvn,
    Optional<List<Integer>> tdxComponents,
    Instant tcbDate,
    TcbStatus status,
    List<String> advisoryIds) {

  /** Number of SGX and of TDX TCB components. */
  public static final int COMPONENTS = 16;

  /**
   * Intel's order (dcap-verification.md §6 Step 9 item 2): SGX components descending
   * (lexicographic), then {@code pcesvn} descending, then TDX components descending (lexicographic).
   * Levels comparing equal are duplicates.
   */
  public static final Comparator<TcbLevel> INTEL_ORDER = TcbLevel::compareIntelOrder;

  /** Validates the shape and copies the lists. */
  public TcbLevel {
    sgxComponents = List.copyOf(sgxComponents);
    if (sgxComponents.size() != COMPONENTS) {
      throw new IllegalArgumentException("sgxComponents must have 16 entries");
    }
    tdxComponents = Objects.requireNonNull(tdxComponents).map(List::copyOf);
    if (tdxComponents.isPresent() && tdxComponents.get().size() != COMPONENTS) {
      throw new IllegalArgumentException("tdxComponents must have 16 entries");
    }
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(status, "status");
    advisoryIds = List.copyOf(advisoryIds);
  }

  private static int compareIntelOrder(TcbLevel a, TcbLevel b) {
    int c = compareDescending(a.sgxComponents, b.sgxComponents);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(b.pceSvn, a.pceSvn);
    if (c != 0) {
      return c;
    }
    List<Integer> ta = a.tdxComponents.orElse(List.of());
    List<Integer> tb = b.tdxComponents.orElse(List.of());
    return compareDescending(ta, tb);
  }

  private static int compareDescending(List<Integer> a, List<Integer> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(b.get(i), a.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(b.size(), a.size());
  }
}
