package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A TCB info together with the exact text Intel signed and the signature over it.
 *
 * <p>Verify {@link #signature()} over {@link #signedBytes()} — never over a re-serialisation of
 * {@link #tcbInfo()} (dcap-verification.md §4.4). The factories in this package ({@link
 * SignedBodies}, {@link CollateralLoader}, {@link #parse}) guarantee that {@code tcbInfo} is the
 * parse of {@code signedJson}; the canonical constructor only checks shapes, so tests can build
 * deliberately inconsistent values (for example a tampered {@code signedJson}).
 *
 * @param signedJson the exact raw text of the {@code tcbInfo} object
 * @param signature ECDSA P-256 signature, 64 bytes {@code r || s}
 * @param tcbInfo the parsed {@code signedJson}
 */
public record SignedTcbInfo(String signedJson, Bytes signature, TcbInfo tcbInfo) {
  /** Checks for nulls and the 64-byte signature length. */
  public SignedTcbInfo {
    Objects.requireNonNull(signedJson, "signedJson");
    Objects.requireNonNull(signature, "signature");
    Objects.requireNonNull(tcbInfo, "tcbInfo");
    if (signature.length() != 64) {
      throw new IllegalArgumentException("signature must be 64 bytes, got " + signature.length());
    }
  }

  /** Parses the exact signed text of a {@code tcbInfo} object and pairs it with its signature. */
  public static SignedTcbInfo parse(String signedJson, Bytes signature) throws MalformedInputException {
    Signed.checkSignedText(signedJson, "tcbInfo");
    if (signature.length() != 64) {
      throw new MalformedInputException("signature: expected 64 bytes, got " + signature.length());
    }
    return new SignedTcbInfo(signedJson, signature, TcbInfoParser.parse(signedJson));
  }

  /** Returns the bytes the signature covers: the UTF-8 encoding of {@link #signedJson()}. */
  public Bytes signedBytes() {
    return Bytes.of(signedJson.getBytes(StandardCharsets.UTF_8));
  }
}
