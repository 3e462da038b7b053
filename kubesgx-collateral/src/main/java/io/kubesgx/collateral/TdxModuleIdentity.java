package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.util.List;
import java.util.Objects;

/**
 * One {@code tdxModuleIdentities} entry of a TDX TCB info (for TDX module major versions above 0).
 *
 * @param id {@code id}, for example {@code "TDX_01"}
 * @param mrSigner {@code mrsigner}, 48 bytes
 * @param attributes {@code attributes}, 8 bytes
 * @param attributesMask {@code attributesMask}, 8 bytes
 * @param tcbLevels levels sorted by {@code isvSvn} descending; statuses are only UpToDate,
 *     OutOfDate or Revoked
 */
public record TdxModuleIdentity(
    String id, Bytes mrSigner, Bytes attributes, Bytes attributesMask, List<EnclaveTcbLevel> tcbLevels) {
  /** Checks for nulls and copies the level list. */
  public TdxModuleIdentity {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(mrSigner, "mrSigner");
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(attributesMask, "attributesMask");
    tcbLevels = List.copyOf(tcbLevels);
  }
}
