/**
 * Issuers of a DCAP-profile PKI that is not Intel's: a root CA, the PCK Processor and Platform CAs,
 * a TCB signing certificate, PCK leaves carrying Intel's SGX extension, and CRLs. Keys derive
 * deterministically from a caller's seed, which must be secret for the PKI to be private. The
 * simulated platform issues its certificates with it; test fixtures wrap it with fixed seeds.
 */
package io.kubesgx.sim.pki;
