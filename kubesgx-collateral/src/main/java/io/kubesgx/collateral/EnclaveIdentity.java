package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A parsed Intel enclave identity, version 2 ({@code QE}, {@code QVE} or {@code TD_QE}).
 *
 * <p>All hex fields are in report byte order: compare them byte for byte with the report
 * (dcap-verification.md §4.3); never reinterpret them as big-endian numbers.
 *
 * @param id {@code "QE"}, {@code "QVE"} or {@code "TD_QE"}
 * @param version always 2
 * @param issueDate {@code issueDate}
 * @param nextUpdate {@code nextUpdate}
 * @param tcbEvaluationDataNumber {@code tcbEvaluationDataNumber}
 * @param miscselect 4 bytes
 * @param miscselectMask 4 bytes
 * @param attributes 16 bytes
 * @param attributesMask 16 bytes
 * @param mrSigner 32 bytes
 * @param isvProdId {@code isvprodid} (0..65535)
 * @param tcbLevels non-empty, sorted by {@code isvSvn} descending, no duplicate SVNs
 */
public record EnclaveIdentity(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    long tcbEvaluationDataNumber,
    Bytes miscselect,
    Bytes miscselectMask,
    Bytes attributes,
    Bytes attributesMask,
    Bytes mrSigner,
    int isvProdId,
    List<EnclaveTcbLevel> tcbLevels) {

  /** Checks for nulls and copies the level list. */
  public EnclaveIdentity {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(issueDate, "issueDate");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    Objects.requireNonNull(miscselect, "miscselect");
    Objects.requireNonNull(miscselectMask, "miscselectMask");
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(attributesMask, "attributesMask");
    Objects.requireNonNull(mrSigner, "mrSigner");
    tcbLevels = List.copyOf(tcbLevels);
  }
}
