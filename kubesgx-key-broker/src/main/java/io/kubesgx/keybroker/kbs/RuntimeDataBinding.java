package io.kubesgx.keybroker.kbs;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The KBS runtime-data binding: {@code REPORTDATA[0..48) = SHA-384(JCS({"additional-evidence",
 * "nonce", "tee-pubkey"}))}, {@code REPORTDATA[48..64) = 0} (Trustee {@code parse_runtime_data} with
 * the default hash SHA-384; RFC 8785 canonical JSON; the tee-pubkey with exactly the members the
 * client sent).
 */
public final class RuntimeDataBinding {
  /** Length of SGX REPORTDATA. */
  public static final int REPORT_DATA_BYTES = 64;

  private RuntimeDataBinding() {}

  /** Returns the canonical bytes that are hashed. */
  public static byte[] canonicalBytes(String nonce, JsonObject teePubKey, String additionalEvidence) {
    JsonObject o = JsonBuilder.object().put("additional-evidence", additionalEvidence).put("nonce", nonce)
        .put("tee-pubkey", teePubKey).build();
    try {
      return new JsonCanonicalizer(Json.write(o)).getEncodedUTF8();
    } catch (IOException e) {
      throw new IllegalStateException("JCS rejected JSON we wrote: " + e.getMessage(), e);
    }
  }

  /** Returns the 64 bytes of REPORTDATA an honest enclave put into its quote. */
  public static byte[] expectedReportData(String nonce, JsonObject teePubKey, String additionalEvidence) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-384").digest(canonicalBytes(nonce, teePubKey, additionalEvidence));
      return Arrays.copyOf(digest, REPORT_DATA_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
