/**
 * A software SGX CPU with the key derivation of Intel's SDK simulation mode: EINIT, EREPORT, EGETKEY
 * and report verification over the structures of {@link io.kubesgx.enclave}. Simulated keys protect
 * nothing against the host; this exists so attestation flows can run without SGX hardware.
 */
package io.kubesgx.enclave.sim;
