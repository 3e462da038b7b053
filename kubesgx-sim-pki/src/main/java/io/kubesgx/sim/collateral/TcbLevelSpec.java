package io.kubesgx.sim.collateral;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One platform TCB level of a TCB info.
 *
 * @param sgxComponents the 16 SGX component SVNs
 * @param pceSvn PCESVN
 * @param tdxComponents the 16 TDX component SVNs (TDX TCB info only)
 * @param tcbDate the level's tcbDate
 * @param tcbStatus the status as written in JSON (any string, so invalid values can be tested)
 * @param advisoryIds advisory IDs; empty writes no {@code advisoryIDs} member
 */
public record TcbLevelSpec(
    List<Integer> sgxComponents,
    int pceSvn,
    Optional<List<Integer>> tdxComponents,
    Instant tcbDate,
    String tcbStatus,
    List<String> advisoryIds) {
  /** Checks for nulls and copies the lists. */
  public TcbLevelSpec {
    sgxComponents = List.copyOf(sgxComponents);
    tdxComponents = tdxComponents.map(List::copyOf);
    Objects.requireNonNull(tcbDate);
    Objects.requireNonNull(tcbStatus);
    advisoryIds = List.copyOf(advisoryIds);
  }

  /** Returns an SGX level dated {@code tcbDate}; {@code components} are the leading SVNs (the rest zero). */
  public static TcbLevelSpec sgx(
      Instant tcbDate, int[] components, int pceSvn, String status, String... advisoryIds) {
    return new TcbLevelSpec(pad16(components), pceSvn, Optional.empty(), tcbDate, status, List.of(advisoryIds));
  }

  /** Returns a copy with TDX components (leading SVNs, the rest zero). */
  public TcbLevelSpec withTdx(int... components) {
    return new TcbLevelSpec(sgxComponents, pceSvn, Optional.of(pad16(components)), tcbDate, tcbStatus, advisoryIds);
  }

  /** Returns a copy with another tcbDate. */
  public TcbLevelSpec withDate(Instant date) {
    return new TcbLevelSpec(sgxComponents, pceSvn, tdxComponents, date, tcbStatus, advisoryIds);
  }

  /** Returns a copy with another status and advisory IDs. */
  public TcbLevelSpec withStatus(String status, List<String> advisories) {
    return new TcbLevelSpec(sgxComponents, pceSvn, tdxComponents, tcbDate, status, advisories);
  }

  /** Pads leading values to 16 with zeros. */
  public static List<Integer> pad16(int... values) {
    if (values.length > 16) {
      throw new IllegalArgumentException("at most 16 components");
    }
    List<Integer> l = new ArrayList<>(16);
    for (int i = 0; i < 16; i++) {
      l.add(i < values.length ? values[i] : 0);
    }
    return l;
  }
}
