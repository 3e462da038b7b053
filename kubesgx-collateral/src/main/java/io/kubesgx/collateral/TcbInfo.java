package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed Intel TCB info (version 2, SGX only, or version 3, SGX or TDX).
 *
 * <p>Instances produced by {@link TcbInfoParser} satisfy every rule in its javadoc; in particular
 * {@link #tcbLevels()} is sorted in {@link TcbLevel#INTEL_ORDER} without duplicates.
 *
 * @param id {@code "SGX"} or {@code "TDX"} for version 3; empty for version 2
 * @param version 2 or 3
 * @param issueDate {@code issueDate}
 * @param nextUpdate {@code nextUpdate}
 * @param fmspc 6 bytes
 * @param pceId 2 bytes
 * @param tcbType always 0
 * @param tcbEvaluationDataNumber {@code tcbEvaluationDataNumber}
 * @param tdxModule present exactly for TDX
 * @param tdxModuleIdentities TDX only; empty when absent
 * @param tcbLevels non-empty, sorted in Intel's order
 */
public record TcbInfo(
    Optional<String> id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    Bytes fmspc,
    Bytes pceId,
    int tcbType,
    long tcbEvaluationDataNumber,
    Optional<TdxModule> tdxModule,
    List<TdxModuleIdentity> tdxModuleIdentities,
    List<TcbLevel> tcbLevels) {

  /** The {@code id} of an SGX TCB info. */
  public static final String SGX_ID = "SGX";

  /** The {@code id} of a TDX TCB info. */
  public static final String TDX_ID = "TDX";

  /** Checks for nulls and copies the lists. */
  public TcbInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(issueDate, "issueDate");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(pceId, "pceId");
    Objects.requireNonNull(tdxModule, "tdxModule");
    tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
    tcbLevels = List.copyOf(tcbLevels);
  }

  /** Returns true for a TDX TCB info ({@code id} is {@code "TDX"}). */
  public boolean isTdx() {
    return id.isPresent() && id.get().equals(TDX_ID);
  }
}
