package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.util.List;
import java.util.Objects;

/**
 * The content of a fortanix/rust-sgx {@code *.id} cache file: the signed enclave identity and its CA
 * chain.
 *
 * @param identity the signed enclave identity (signature converted from DER to {@code r || s})
 * @param chain the {@code ca_chain} certificates (DER), in file order
 */
public record FortanixIdentityFile(SignedEnclaveIdentity identity, List<Bytes> chain) {
  /** Checks for nulls and copies the chain. */
  public FortanixIdentityFile {
    Objects.requireNonNull(identity, "identity");
    chain = List.copyOf(chain);
  }
}
