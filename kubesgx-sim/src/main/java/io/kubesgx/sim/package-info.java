/**
 * The simulated SGX platform: per-platform fuses and identity on disk, the simulated quoting
 * enclave (QE3) and provisioning certification enclave (PCE), a simulation PKI whose root says it is
 * a simulation, and the collateral of each {@link io.kubesgx.sim.Scenario}.
 *
 * <p>Quotes and collateral are byte-compatible with Intel DCAP; they differ from real ones only in
 * the trust root, so a verifier accepts them only when the simulation root is configured
 * explicitly.
 */
package io.kubesgx.sim;
