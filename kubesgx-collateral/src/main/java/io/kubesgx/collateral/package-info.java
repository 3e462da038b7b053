/**
 * Intel PCS collateral for DCAP verification: immutable models of TCB info (v2/v3, SGX and TDX) and
 * enclave identities (v2), strict parsers that keep the exact signed JSON text, and loaders for the
 * dcap-qvl JSON, PCS response and Intel-sample directory formats. Nothing here verifies signatures
 * or certificates; that is the verifier's job.
 */
package io.kubesgx.collateral;
