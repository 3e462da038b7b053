package io.kubesgx.common.sgx;

import java.util.Locale;

/**
 * The canonical EPC resource of a cluster: the one name under which the node agent advertises EPC
 * and into which the admission webhook rewrites requests for the other name.
 *
 * <p>A cluster has one EPC accounting. The scheduler accounts each extended resource name
 * separately, so a node advertising EPC under both names could be given its EPC twice. The node
 * agent and the webhook therefore take the same {@code --epc-resource azure|intel} option.
 *
 * <p>The default is {@link #INTEL}: node capacity in bytes has no size limit (per-MiB devices stop
 * fitting the kubelet's ListAndWatch message at about 168k devices, less than the EPC of the
 * largest nodes), and it can be written into a cluster-autoscaler node template (the per-MiB name's
 * underscores cannot, kubernetes-sgx.md §9.2), so pools can scale from zero.
 */
public enum EpcResource {
  /** {@code sgx.intel.com/epc}: node capacity in bytes, device nodes through {@code sgx.intel.com/enclave}. */
  INTEL("sgx.intel.com/epc", 1),
  /** {@code kubernetes.azure.com/sgx_epc_mem_in_MiB}: one device-plugin device per MiB. */
  AZURE("kubernetes.azure.com/sgx_epc_mem_in_MiB", 1024 * 1024);

  /** The cluster default (see the class comment for why). */
  public static final EpcResource DEFAULT = INTEL;
  /** One mebibyte. */
  public static final long MIB = 1024L * 1024L;

  private final String resourceName;
  private final long unitBytes;

  EpcResource(String resourceName, long unitBytes) {
    this.resourceName = resourceName;
    this.unitBytes = unitBytes;
  }

  /** Returns the extended resource name. */
  public String resourceName() {
    return resourceName;
  }

  /** Returns how many bytes one unit of the resource is (1 for bytes, 1 MiB for the per-MiB name). */
  public long unitBytes() {
    return unitBytes;
  }

  /** Returns the other name (the one the webhook rewrites into this one). */
  public EpcResource other() {
    return this == INTEL ? AZURE : INTEL;
  }

  /** Returns the option spelling, {@code intel} or {@code azure}. */
  public String optionValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the option value {@code intel} or {@code azure} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the valid values
   */
  public static EpcResource parse(String value) {
    if (value != null) {
      for (EpcResource r : values()) {
        if (r.optionValue().equalsIgnoreCase(value.trim())) {
          return r;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown EPC resource '" + value + "': use intel (sgx.intel.com/epc, bytes) or azure "
            + "(kubernetes.azure.com/sgx_epc_mem_in_MiB)");
  }
}
