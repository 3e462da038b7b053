package io.kubesgx.nodeagent.discovery;

import java.util.Set;

/** Which SGX driver generation the present device nodes indicate. */
public enum DriverGeneration {
  /** {@code /dev/sgx_enclave}: the in-kernel driver (Linux ≥ 5.11) or DCAP ≥ 1.36. */
  IN_KERNEL,
  /** Only {@code /dev/sgx/enclave}: an older out-of-tree DCAP driver. */
  DCAP_LEGACY,
  /** Only {@code /dev/isgx}: the legacy non-FLC driver. */
  ISGX,
  /** No enclave device node. */
  NONE;

  /** Classifies a set of present device nodes. */
  public static DriverGeneration of(Set<SgxDeviceNode> present) {
    if (present.contains(SgxDeviceNode.SGX_ENCLAVE)) {
      return IN_KERNEL;
    }
    if (present.contains(SgxDeviceNode.DCAP_ENCLAVE)) {
      return DCAP_LEGACY;
    }
    if (present.contains(SgxDeviceNode.ISGX)) {
      return ISGX;
    }
    return NONE;
  }
}
