/**
 * Reads the cluster through the fabric8 client into {@link io.kubesgx.status.ClusterSnapshot} records:
 * client configuration ({@code --kubeconfig}, {@code --context}, in-cluster), nodes, EPC-requesting
 * pods and the kubesgx workloads, with API failures turned into one-line
 * {@link io.kubesgx.status.StatusException}s.
 */
package io.kubesgx.status.kube;
