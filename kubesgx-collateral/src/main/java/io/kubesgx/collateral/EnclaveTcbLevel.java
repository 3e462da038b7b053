package io.kubesgx.collateral;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One TCB level of an enclave identity or a TDX module identity: an ISV SVN threshold with its
 * status, date and advisories.
 *
 * @param isvSvn {@code tcb.isvsvn}
 * @param tcbDate {@code tcbDate}
 * @param status {@code tcbStatus}
 * @param advisoryIds {@code advisoryIDs} in served order (empty when absent)
 */
public record EnclaveTcbLevel(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
  /** Checks for nulls and copies the advisory list. */
  public EnclaveTcbLevel {
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(status, "status");
    advisoryIds = List.copyOf(advisoryIds);
  }
}
