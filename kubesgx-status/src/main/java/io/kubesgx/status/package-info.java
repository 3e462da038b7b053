/**
 * {@code kubesgx status}: the cluster read into immutable records ({@link io.kubesgx.status.ClusterSnapshot}),
 * computed into a {@link io.kubesgx.status.StatusReport} by {@link io.kubesgx.status.StatusCalculator}
 * (pure, no I/O), and rendered as a table or as JSON. Reading the API server and the attestation
 * service lives in the {@code kube} and {@code attestation} subpackages.
 */
package io.kubesgx.status;
