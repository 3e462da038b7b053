/**
 * Node registration through the Kubernetes API: SGX labels, the {@code sgx.intel.com/epc}
 * capacity in node status, and removal of the startup taint once EPC is advertised.
 *
 * <p>{@link io.kubesgx.nodeagent.registration.NodePlanner} decides; {@link
 * io.kubesgx.nodeagent.registration.NodeApi} is the only seam to the API server.
 */
package io.kubesgx.nodeagent.registration;
