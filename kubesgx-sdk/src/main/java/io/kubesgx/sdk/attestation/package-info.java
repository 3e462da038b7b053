/**
 * Turning a quote into a token and checking tokens: {@link
 * io.kubesgx.sdk.attestation.AttestationClient} speaks the Microsoft Azure Attestation (MAA) REST
 * API that our attestation service also serves, and {@link io.kubesgx.sdk.attestation.TokenVerifier}
 * checks the tokens against the issuer's OpenID metadata and JWKS.
 *
 * <p>Only {@link io.kubesgx.sdk.attestation.VerifiedToken} means "verified"; an {@link
 * io.kubesgx.sdk.attestation.AttestationToken} is what the service returned, before any check.
 */
package io.kubesgx.sdk.attestation;
