package io.kubesgx.status;

import java.util.Objects;

/**
 * A pod that requests EPC, with its effective requests (as the scheduler counts them: the larger of
 * the containers' sum and the largest init container, plus the pod overhead).
 *
 * @param namespace namespace
 * @param name name
 * @param nodeName the node it is bound to (empty when pending)
 * @param terminated phase {@code Succeeded} or {@code Failed} (its requests no longer count)
 * @param epcIntelBytes effective {@code sgx.intel.com/epc} request in bytes
 * @param epcAzureMiB effective {@code kubernetes.azure.com/sgx_epc_mem_in_MiB} request
 */
public record PodInfo(String namespace, String name, String nodeName, boolean terminated,
    long epcIntelBytes, long epcAzureMiB) {
  /** Checks the values. */
  public PodInfo {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(nodeName, "nodeName");
    if (epcIntelBytes < 0 || epcAzureMiB < 0) {
      throw new IllegalArgumentException("negative EPC request on pod " + namespace + "/" + name);
    }
  }

  /**
   * The pod's EPC in bytes under one accounting: a pod that requests both names asks for the same
   * enclave memory twice (the webhook rewrites one name into the other), so the larger counts once.
   */
  public long epcBytes() {
    return Math.max(epcIntelBytes, Quantities.mibToBytes(epcAzureMiB));
  }
}
