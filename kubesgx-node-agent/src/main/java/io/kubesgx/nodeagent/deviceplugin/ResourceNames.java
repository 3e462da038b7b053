package io.kubesgx.nodeagent.deviceplugin;

/** Extended resource names the node agent serves or publishes (kubernetes-sgx.md §1). */
public final class ResourceNames {
  /** EPC in MiB, one device per MiB (Azure's name). */
  public static final String EPC_MIB = "kubernetes.azure.com/sgx_epc_mem_in_MiB";
  /** EPC in bytes as node capacity (Intel's name; published in node status, not a plugin). */
  public static final String EPC_BYTES = "sgx.intel.com/epc";
  /** Share slots for the enclave device node (Intel's name). */
  public static final String ENCLAVE = "sgx.intel.com/enclave";
  /** Share slots for the provisioning device node (Intel's name). */
  public static final String PROVISION = "sgx.intel.com/provision";

  private ResourceNames() {}

  /** Returns the socket file name used for a resource, e.g. {@code sgx.intel.com-enclave.sock}. */
  public static String socketName(String resourceName) {
    return "kubesgx-" + resourceName.replace('/', '-') + ".sock";
  }
}
