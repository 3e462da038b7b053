package io.kubesgx.keybroker.tenant;

import io.kubesgx.common.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * An admin bearer token of one tenant, kept only as its SHA-256 (so comparisons take the same time
 * whatever the presented token, and the token itself is not held).
 *
 * @param id the name it is audited and rate-limited under ({@code admin}, {@code admin:FILE}); not secret
 * @param sha256 SHA-256 of the token's UTF-8 bytes
 */
public record AdminToken(String id, Bytes sha256) {
  /** Smallest admin token accepted, in bytes. */
  public static final int MIN_BYTES = 32;

  /** Checks the fields. */
  public AdminToken {
    Objects.requireNonNull(id, "id");
    if (Objects.requireNonNull(sha256, "sha256").length() != 32) {
      throw new IllegalArgumentException("sha256 must be 32 bytes");
    }
  }

  /**
   * Hashes {@code token}.
   *
   * @throws IllegalArgumentException when the token is shorter than {@link #MIN_BYTES}
   */
  public static AdminToken of(String id, String token) {
    if (token.getBytes(StandardCharsets.UTF_8).length < MIN_BYTES) {
      throw new IllegalArgumentException("the admin token " + id + " must be at least " + MIN_BYTES
          + " bytes (e.g. head -c 32 /dev/urandom | base64 > FILE)");
    }
    return new AdminToken(id, Bytes.of(sha256(token)));
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
