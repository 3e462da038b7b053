package io.kubesgx.nodeagent.deviceplugin;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@code Allocate} adds besides device nodes.
 *
 * @param quoteHelper mount the AESM socket directory and set {@code SGX_AESM_ADDR=1}
 * @param aesmSocketDir host (and container) directory of the AESM socket
 * @param cdiKind CDI kind such as {@code kubesgx.io/sgx}: when present, CDI devices {@code
 *     <kind>=enclave} / {@code <kind>=provision} are returned too
 * @param compatAliases also expose a device node under the other driver generation's path
 */
public record AllocationPolicy(
    boolean quoteHelper, String aesmSocketDir, Optional<String> cdiKind, boolean compatAliases) {
  /** The AESM socket directory (kubernetes-sgx.md §8.2). */
  public static final String DEFAULT_AESM_DIR = "/var/run/aesmd";

  /** Safe defaults: device nodes only. */
  public static final AllocationPolicy DEFAULT =
      new AllocationPolicy(false, DEFAULT_AESM_DIR, Optional.empty(), false);

  /** Validates the policy. */
  public AllocationPolicy {
    Objects.requireNonNull(aesmSocketDir, "aesmSocketDir");
    Objects.requireNonNull(cdiKind, "cdiKind");
    if (!aesmSocketDir.startsWith("/")) {
      throw new IllegalArgumentException("AESM socket directory must be absolute");
    }
    cdiKind.ifPresent(
        k -> {
          if (!k.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?")) {
            throw new IllegalArgumentException("not a CDI kind (vendor.com/class): " + k);
          }
        });
  }
}
