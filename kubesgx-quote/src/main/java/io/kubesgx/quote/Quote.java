package io.kubesgx.quote;

import io.kubesgx.common.Bytes;
import java.util.OptionalInt;

/**
 * A structurally parsed, unverified DCAP quote. Nothing in it has been checked cryptographically;
 * only the verifier turns it into a verified value.
 *
 * @param header the 48-byte header
 * @param v5BodyType the v5 body descriptor type (1 SGX, 2 TD 1.0, 3 TD 1.5), empty for v3/v4
 * @param body the enclave or TD report body
 * @param signedRegion the exact bytes covered by the quote signature
 * @param signatureData the parsed signature data
 * @param quoteLength bytes up to the end of the signature data
 * @param trailingLength bytes after the signature data that the trailing-data policy allowed
 */
public record Quote(
    QuoteHeader header,
    OptionalInt v5BodyType,
    QuoteBody body,
    Bytes signedRegion,
    QuoteSignatureData signatureData,
    int quoteLength,
    int trailingLength) {

  /** Returns the TEE type of the body. */
  public TeeType teeType() {
    return body.teeType();
  }
}
