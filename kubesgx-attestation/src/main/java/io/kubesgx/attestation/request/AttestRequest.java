package io.kubesgx.attestation.request;

import io.kubesgx.attestation.AttestationType;
import io.kubesgx.common.Bytes;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed attestation request.
 *
 * @param type the endpoint it came to
 * @param quote the DCAP quote (for Open Enclave: the quote after the 16-byte report header)
 * @param runtimeData runtime data, bound through REPORTDATA[0..32)
 * @param initTimeData init-time data, bound through CONFIGID[0..32)
 * @param draftPolicy a policy to evaluate instead of the stored one (the token is then unsigned)
 * @param nonce the caller's nonce, echoed into the token
 */
public record AttestRequest(
    AttestationType type,
    Bytes quote,
    Optional<RuntimeData> runtimeData,
    Optional<RuntimeData> initTimeData,
    Optional<String> draftPolicy,
    Optional<String> nonce) {

  /** Checks for nulls. */
  public AttestRequest {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(quote, "quote");
    Objects.requireNonNull(runtimeData, "runtimeData");
    Objects.requireNonNull(initTimeData, "initTimeData");
    Objects.requireNonNull(draftPolicy, "draftPolicy");
    Objects.requireNonNull(nonce, "nonce");
  }
}
