/**
 * Token signing: the service's signing keys (RS256 or ES256, each with a self-signed certificate
 * for {@code x5c}), their rotation schedule, the JWKS, and JWT issuance.
 */
package io.kubesgx.attestation.token;
