package io.kubesgx.sdk.secret;

import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The KBS REPORTDATA binding (key-broker reference §2.3, Trustee {@code parse_runtime_data}):
 * {@code REPORTDATA = HASH(JCS({"additional-evidence":…,"nonce":…,"tee-pubkey":JWK}))} zero-padded to
 * 64 bytes, JCS being RFC 8785 canonical JSON.
 */
final class KbsBinding {
  private KbsBinding() {}

  /** Returns the JSON that is hashed, canonicalised (RFC 8785). */
  static String canonical(String nonce, JsonObject teePubKey, String additionalEvidence) {
    String json = JsonBuilder.object()
        .put("additional-evidence", additionalEvidence)
        .put("nonce", nonce)
        .put("tee-pubkey", teePubKey)
        .toString();
    try {
      return new JsonCanonicalizer(json).getEncodedString();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot canonicalise the runtime data: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the 64-byte REPORTDATA: the digest with {@code hashAlgorithm} ({@code sha256}, {@code
   * sha384} — the default — or {@code sha512}) followed by zeros.
   *
   * @throws IllegalArgumentException for another hash algorithm
   */
  static byte[] reportData(String nonce, JsonObject teePubKey, String additionalEvidence, String hashAlgorithm) {
    String jca = switch (hashAlgorithm.toLowerCase(Locale.ROOT)) {
      case "sha256" -> "SHA-256";
      case "sha384" -> "SHA-384";
      case "sha512" -> "SHA-512";
      default -> throw new IllegalArgumentException("the KBS selected hash algorithm '" + hashAlgorithm
          + "'; this client supports sha256, sha384 and sha512");
    };
    try {
      byte[] d = MessageDigest.getInstance(jca).digest(
          canonical(nonce, teePubKey, additionalEvidence).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      // spec: GC sgx_dcap attester — report_data.resize(64, 0).
      return Arrays.copyOf(d, 64);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(jca + " is not available", e);
    }
  }
}
