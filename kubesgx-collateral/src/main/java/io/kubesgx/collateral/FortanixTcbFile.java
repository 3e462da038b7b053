package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.util.List;
import java.util.Objects;

/**
 * The content of a fortanix/rust-sgx {@code *.tcb} cache file: the signed TCB info and its CA chain.
 *
 * @param tcbInfo the signed TCB info (signature converted from DER to {@code r || s})
 * @param chain the {@code ca_chain} certificates (DER), in file order
 */
public record FortanixTcbFile(SignedTcbInfo tcbInfo, List<Bytes> chain) {
  /** Checks for nulls and copies the chain. */
  public FortanixTcbFile {
    Objects.requireNonNull(tcbInfo, "tcbInfo");
    chain = List.copyOf(chain);
  }
}
