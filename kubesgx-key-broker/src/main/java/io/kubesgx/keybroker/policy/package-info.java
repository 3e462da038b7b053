/**
 * Secure Key Release policies: {@link io.kubesgx.keybroker.policy.ReleasePolicy} parses the SKR
 * grammar and evaluates it against {@link io.kubesgx.keybroker.policy.VerifiedClaims}, which only
 * {@link io.kubesgx.keybroker.policy.TargetTokenVerifier} creates from a verified attestation token.
 */
package io.kubesgx.keybroker.policy;
