package io.kubesgx.nodeagent.enforcement;

import java.util.Objects;

/**
 * The EPC one running container asked for.
 *
 * @param podUid pod UID
 * @param namespace pod namespace (for logs)
 * @param pod pod name (for logs)
 * @param container container name
 * @param containerId runtime container ID without the {@code containerd://} scheme
 * @param epcBytes EPC request in bytes (per-MiB devices and {@code sgx.intel.com/epc} summed)
 */
public record ContainerEpc(String podUid, String namespace, String pod, String container,
    String containerId, long epcBytes) {
  /** Validates the fields. */
  public ContainerEpc {
    Objects.requireNonNull(podUid, "podUid");
    Objects.requireNonNull(containerId, "containerId");
    if (epcBytes <= 0) {
      throw new IllegalArgumentException("EPC request must be positive");
    }
    if (!podUid.matches("[0-9a-fA-F-]{1,64}") || !containerId.matches("[0-9a-zA-Z]{1,128}")) {
      throw new IllegalArgumentException("unexpected pod UID or container ID format");
    }
  }
}
