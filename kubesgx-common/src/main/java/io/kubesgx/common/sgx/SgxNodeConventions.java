package io.kubesgx.common.sgx;

/**
 * Label, taint and annotation names the node agent, the quote helper and the webhook agree on
 * (kubernetes-sgx.md §9.3 and §10 rows 1–2).
 */
public final class SgxNodeConventions {
  /** Label the node agent sets to {@code true} on nodes with SGX enabled. */
  public static final String SGX_LABEL = "kubesgx.io/sgx";
  /** Label the quote helper sets to {@code true} once its AESM socket answers. */
  public static final String QUOTE_HELPER_READY_LABEL = "kubesgx.io/quote-helper-ready";
  /** Taint key operators put on SGX pools; the webhook adds a matching toleration. */
  public static final String SGX_POOL_TAINT = "kubesgx.io/sgx";
  /** The pool taint Azure's documentation uses for SGX pools; tolerated as well. */
  public static final String AZURE_POOL_TAINT = "kubernetes.azure.com/sgx_epc_mem_in_MiB";
  /** Node condition type the node agent sets when it cannot advertise all EPC. */
  public static final String EPC_CONDITION = "KubesgxEpcAdvertised";
  /**
   * Key of the node agent's default startup taint (removed once EPC is advertised); the cluster
   * autoscaler ignores taints whose key starts with {@code ignore-taint.cluster-autoscaler.kubernetes.io/}.
   */
  public static final String STARTUP_TAINT_KEY =
      "ignore-taint.cluster-autoscaler.kubernetes.io/kubesgx-epc-not-ready";

  private SgxNodeConventions() {}
}
