/**
 * Structural parsing of Intel PCK certificates, their SGX extension ({@code 1.2.840.113741.1.13.1}),
 * PCK certificate chains and CRLs. Nothing here verifies signatures, validity periods or
 * revocation; that is the verifier's job. Every parser throws only
 * {@link io.kubesgx.common.MalformedInputException} for bad input.
 */
package io.kubesgx.pck;
