package io.kubesgx.keybroker.secretprov;

import io.kubesgx.keybroker.secrets.SecretVersion;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * The bytes a stored secret is sent as. A secret whose {@code contentType} is {@code
 * application/octet-stream} holds base64 (RFC 4648 §4, padding optional) and is sent decoded, byte
 * for byte (for example the 16-byte key Gramine's {@code SECRET_PROVISION_SET_KEY} installs); any
 * other secret is sent as its UTF-8 bytes plus one NUL, so Gramine's client can put it into {@code
 * SECRET_PROVISION_SECRET_STRING} (which needs the NUL, and at most 4096 bytes with it).
 */
final class SecretProvEncoding {
  /** The content type whose base64 value is sent decoded. */
  static final String OCTET_STREAM = "application/octet-stream";
  /** Largest secret on the wire: a 64 KiB string and its NUL. */
  static final int MAX_WIRE_BYTES = SecretVersion.MAX_VALUE_BYTES + 1;

  private SecretProvEncoding() {}

  /** Returns whether {@code v} is sent as raw bytes (its value is base64). */
  static boolean isBinary(SecretVersion v) {
    return v.contentType().map(ct -> {
      int semi = ct.indexOf(';');
      return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT).equals(OCTET_STREAM);
    }).orElse(false);
  }

  /**
   * Returns the bytes to send for {@code v}; the caller clears them when done.
   *
   * @throws SecretProvException {@link SecretProvException.Reason#UNSENDABLE_SECRET} when the value
   *     is empty, not base64 for an octet-stream secret, or holds a NUL for a string secret
   */
  static byte[] wireBytes(SecretVersion v) throws SecretProvException {
    byte[] value = v.copyValue();
    try {
      if (isBinary(v)) {
        byte[] raw;
        try {
          raw = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
          throw unsendable(v, "its contentType is " + OCTET_STREAM + " but its value is not base64; store the bytes base64-encoded");
        }
        if (raw.length == 0) {
          throw unsendable(v, "its value decodes to zero bytes; Gramine's client refuses an empty secret");
        }
        return raw;
      }
      if (value.length == 0) {
        throw unsendable(v, "its value is empty; Gramine's client refuses an empty secret");
      }
      for (byte b : value) {
        if (b == 0) {
          throw unsendable(v, "its text value holds a NUL byte, which would cut SECRET_PROVISION_SECRET_STRING short; "
              + "store binary secrets base64-encoded with contentType " + OCTET_STREAM);
        }
      }
      return Arrays.copyOf(value, value.length + 1); // the trailing NUL
    } finally {
      Arrays.fill(value, (byte) 0);
    }
  }

  private static SecretProvException unsendable(SecretVersion v, String why) {
    return new SecretProvException(SecretProvException.Reason.UNSENDABLE_SECRET,
        "secret " + v.name() + "/" + v.version() + " cannot be sent: " + why);
  }
}
