/**
 * The Trustee KBS protocol ("RCAR", version 0.4.0) over the broker's secrets: {@code /kbs/v0/auth}
 * issues a nonce and a session, {@code /kbs/v0/attest} verifies an SGX DCAP quote with our verifier
 * and the JCS + SHA-384 REPORTDATA binding, {@code /kbs/v0/resource/<repo>/<type>/<tag>} releases a
 * secret whose release policy holds for the quote's claims, as a JWE to the enclave's key. Parsers
 * of client bytes live in {@link io.kubesgx.keybroker.kbs.KbsMessages}.
 */
package io.kubesgx.keybroker.kbs;
