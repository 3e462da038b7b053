package io.kubesgx.nodeagent.discovery;

/**
 * The SGX device nodes of every driver generation, as host paths.
 *
 * <p>Source: kubernetes-sgx.md §5 (in-kernel driver since Linux 5.11, DCAP out-of-tree driver and
 * its udev symlinks, the legacy non-FLC {@code isgx} driver).
 */
public enum SgxDeviceNode {
  /** In-kernel (and DCAP ≥ 1.36) enclave node. */
  SGX_ENCLAVE("/dev/sgx_enclave", Role.ENCLAVE),
  /** In-kernel (and DCAP ≥ 1.36) provisioning node. */
  SGX_PROVISION("/dev/sgx_provision", Role.PROVISION),
  /** Older DCAP driver enclave node (or udev compatibility symlink). */
  DCAP_ENCLAVE("/dev/sgx/enclave", Role.ENCLAVE),
  /** Older DCAP driver provisioning node (or udev compatibility symlink). */
  DCAP_PROVISION("/dev/sgx/provision", Role.PROVISION),
  /** Legacy non-FLC {@code isgx} driver node, which serves both roles. */
  ISGX("/dev/isgx", Role.ENCLAVE),
  /** KVM virtual EPC node; never handed to containers. */
  SGX_VEPC("/dev/sgx_vepc", Role.VEPC);

  /** What a node is used for. */
  public enum Role {
    /** Creating and running enclaves. */
    ENCLAVE,
    /** Obtaining the provisioning-key attribute (quoting enclaves). */
    PROVISION,
    /** Virtual EPC for KVM guests. */
    VEPC
  }

  private final String hostPath;
  private final Role role;

  SgxDeviceNode(String hostPath, Role role) {
    this.hostPath = hostPath;
    this.role = role;
  }

  /** Returns the path of this node on the host. */
  public String hostPath() {
    return hostPath;
  }

  /** Returns what this node is used for. */
  public Role role() {
    return role;
  }
}
