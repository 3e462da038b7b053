package io.kubesgx.quote;

import io.kubesgx.common.Bytes;
import java.util.OptionalInt;

/**
 * The ECDSA-256 quote signature data ({@code sgx_ql_ecdsa_sig_data_t} in v3,
 * {@code sgx_ecdsa_sig_data_v4_t} with the type-6 wrapper in v4/v5), flattened.
 *
 * @param quoteSignature 64-byte r‖s signature over the signed region
 * @param attestationKey 64-byte X‖Y attestation public key
 * @param qeReport the QE report body
 * @param qeReportSignature 64-byte r‖s signature of the QE report by the PCK key
 * @param qeAuthData QE authentication data (any length)
 * @param certificationData the certification data that identifies the platform (type 1..5 normally)
 * @param outerCertificationType 6 for v4/v5 (the QE report certification data wrapper), empty in v3
 */
public record QuoteSignatureData(
    Bytes quoteSignature,
    Bytes attestationKey,
    EnclaveReportBody qeReport,
    Bytes qeReportSignature,
    Bytes qeAuthData,
    CertificationData certificationData,
    OptionalInt outerCertificationType) {}
