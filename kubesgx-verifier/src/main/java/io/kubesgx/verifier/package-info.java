/**
 * The DCAP quote verification pipeline. {@link io.kubesgx.verifier.QuoteVerifier} turns quote
 * bytes, collateral, trust anchors and a caller-supplied instant into a
 * {@link io.kubesgx.verifier.VerifiedQuote} (which only it can construct) or an
 * {@link io.kubesgx.verifier.AttestationException} carrying one {@link io.kubesgx.verifier.Reason}.
 * The steps follow {@code dcap-verification.md} §6 with Intel QVL semantics.
 */
package io.kubesgx.verifier;
