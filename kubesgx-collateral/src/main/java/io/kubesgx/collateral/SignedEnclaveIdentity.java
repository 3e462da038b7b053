package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An enclave identity together with the exact text Intel signed and the signature over it.
 *
 * <p>Verify {@link #signature()} over {@link #signedBytes()}. The factories in this package
 * guarantee that {@code identity} is the parse of {@code signedJson}; the canonical constructor only
 * checks shapes.
 *
 * @param signedJson the exact raw text of the {@code enclaveIdentity} object
 * @param signature ECDSA P-256 signature, 64 bytes {@code r || s}
 * @param identity the parsed {@code signedJson}
 */
public record SignedEnclaveIdentity(String signedJson, Bytes signature, EnclaveIdentity identity) {
  /** Checks for nulls and the 64-byte signature length. */
  public SignedEnclaveIdentity {
    Objects.requireNonNull(signedJson, "signedJson");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(identity, "identity");
    if (signature.length() != 64) {
      throw new IllegalArgumentException("signature must be 64 bytes, got " + signature.length());
    }
  }

  /** Parses the exact signed text of an {@code enclaveIdentity} object and pairs it with its signature. */
  public static SignedEnclaveIdentity parse(String signedJson, Bytes signature)
      throws MalformedInputException {
    Signed.checkSignedText(signedJson, "enclaveIdentity");
    if (signature.length() != 64) {
      throw new MalformedInputException("signature: expected 64 bytes, got " + signature.length());
    }
    return new SignedEnclaveIdentity(signedJson, signature, EnclaveIdentityParser.parse(signedJson));
  }

  /** Returns the bytes the signature covers: the UTF-8 encoding of {@link #signedJson()}. */
  public Bytes signedBytes() {
    return Bytes.of(signedJson.getBytes(StandardCharsets.UTF_8));
  }
}
