/**
 * The attestation service: an MAA-compatible REST API that verifies DCAP quotes with collateral
 * from the collateral service, evaluates attestation policies, and issues signed JWTs that relying
 * parties check through OIDC discovery and JWKS.
 *
 * <p>Data flows one way: request bytes ({@code request}) → verified quote and claims ({@code
 * claims}) → policy decision ({@code policy}) → token ({@code token}); {@code service} composes
 * them and {@code http} serves them.
 */
package io.kubesgx.attestation;
