/**
 * SGX-on-Kubernetes conventions shared by the node agent and the admission webhook: which extended
 * resource carries EPC in a cluster, and the node labels and taints both sides agree on.
 */
package io.kubesgx.common.sgx;
