package io.kubesgx.sim.collateral;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One {@code {tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}} level of a QE identity or
 * TDX module identity.
 *
 * @param isvSvn the level's ISVSVN
 * @param tcbDate the level's tcbDate
 * @param tcbStatus the status as written in JSON
 * @param advisoryIds advisory IDs; empty writes no {@code advisoryIDs} member
 */
public record EnclaveLevelSpec(int isvSvn, Instant tcbDate, String tcbStatus, List<String> advisoryIds) {
  /** Checks for nulls and copies the list. */
  public EnclaveLevelSpec {
    Objects.requireNonNull(tcbDate);
    Objects.requireNonNull(tcbStatus);
    advisoryIds = List.copyOf(advisoryIds);
  }
}
