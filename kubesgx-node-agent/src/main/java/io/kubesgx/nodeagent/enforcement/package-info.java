/**
 * Per-container EPC enforcement through the cgroup v2 misc controller ({@code misc.max} with
 * {@code sgx_epc}), where the kernel offers it; detection and reporting where it does not.
 */
package io.kubesgx.nodeagent.enforcement;
