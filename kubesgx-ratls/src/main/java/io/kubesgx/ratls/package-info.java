/**
 * RA-TLS for Java: issue and verify Gramine-compatible RA-TLS certificates.
 *
 * <p>Format (Gramine v1.9, {@code tools/sgx/ra-tls/ra_tls_attest.c}): a fresh EC key (P-384, or
 * P-256); a self-signed v3 certificate signed with ecdsa-with-SHA256, subject = issuer = {@code
 * CN=RATLS, O=GramineDevelopers, C=US}, serial 1, validity 2001-01-01T00:00:00Z to
 * 2030-12-31T23:59:59Z by default; extensions basicConstraints (CA:FALSE), subject and authority key
 * identifiers, and two non-critical evidence extensions, each with its own quote and each
 * extnValue's content the raw bytes: the legacy SGX quote ({@link io.kubesgx.ratls.RaTlsOids#LEGACY_QUOTE}
 * on the wire, REPORTDATA = SHA-256(DER SubjectPublicKeyInfo) ‖ 32 zero bytes) and TCG DICE tagged
 * evidence ({@link io.kubesgx.ratls.RaTlsOids#DICE_TAGGED_EVIDENCE}: CBOR tag 60000 over {@code [bstr
 * quote, bstr claims]}, claims = {@code {"pubkey-hash": bstr([1, bstr SHA-256(SPKI)])}}, REPORTDATA =
 * SHA-256(claims) ‖ 32 zero bytes).
 *
 * <p>Verification ({@code ra_tls_verify_common.c}, {@code ra_tls_verify_dcap.c}): the DICE extension
 * alone decides when present; the legacy one (under either OID) only when it is absent; each
 * 128..8192 bytes; only REPORTDATA[0..32) is compared; then the DCAP quote, the TCB status mapping
 * of Gramine's {@code RA_TLS_ALLOW_*} knobs, the debug attribute and the measurements. Like Gramine,
 * the certificate's self-signature and validity dates are not checked: the TLS handshake proves
 * possession of the key, and the quote proves the key was made in the enclave.
 */
package io.kubesgx.ratls;
