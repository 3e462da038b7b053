/**
 * RA-TLS for Java: issue and verify Gramine-compatible RA-TLS certificates ({@link
 * io.kubesgx.ratls.RaTlsIssuer}, {@link io.kubesgx.ratls.RaTlsVerifier}).
 *
 * <p>Format (Gramine v1.9, {@code tools/sgx/ra-tls/ra_tls_attest.c}): a fresh EC key (P-384, or
 * P-256); a self-signed v3 certificate signed with ecdsa-with-SHA256, subject = issuer = {@code
 * CN=RATLS, O=GramineDevelopers, C=US}, serial 1, validity 2001-01-01T00:00:00Z to
 * 2030-12-31T23:59:59Z by default; extensions basicConstraints (CA:FALSE), subject and authority key
 * identifiers, then two non-critical evidence extensions, each with its own quote and each
 * extnValue's content the raw bytes: the legacy SGX quote (OID {@code 0.6.9.42.840.113741.1337.6} on
 * the wire, REPORTDATA = SHA-256(DER SubjectPublicKeyInfo) ‖ 32 zero bytes) and TCG DICE tagged
 * evidence ({@code 2.23.133.5.4.9}: CBOR tag 60000 over {@code [bstr quote, bstr claims]}, claims =
 * {@code {"pubkey-hash": bstr([1, bstr SHA-256(SPKI)])}}, REPORTDATA = SHA-256(claims) ‖ 32 zero
 * bytes), encoded with definite lengths and shortest forms.
 *
 * <p>Verification follows Gramine's {@code ra_tls_verify_common.c} and {@code ra_tls_verify_dcap.c}:
 * the DICE extension alone decides when present (a DICE failure is final); the legacy one, under
 * either OID, only when it is absent; each 128..8192 bytes; EC P-384/P-256 keys only; only
 * REPORTDATA[0..32) is compared; hash ids 1, 7, 8 accepted; unknown claims ignored; then the DCAP
 * quote with collateral, the TCB status under the {@code RA_TLS_ALLOW_*} knobs, the enclave
 * attributes and the measurements. Like Gramine, the certificate's self-signature and validity
 * dates are not checked; as in Gramine (whose mbedTLS refuses critical extensions it does not know),
 * a certificate with a critical extension other than basicConstraints, keyUsage, extKeyUsage,
 * subjectAltName and the key identifiers is refused, and so is a repeated extension. Stricter than
 * Gramine: a DICE evidence without a {@code pubkey-hash} claim, duplicate map keys, non-text keys,
 * indefinite lengths, trailing bytes after the CBOR item or after the quote (even zeros), the legacy
 * extension under both OIDs, a non-DER certificate and a non-SGX quote are refused; expired collateral is refused
 * whatever the TCB status unless outdated TCB is allowed, and then the quote is evaluated at the
 * last second the collateral was valid.
 */
package io.kubesgx.ratls;
