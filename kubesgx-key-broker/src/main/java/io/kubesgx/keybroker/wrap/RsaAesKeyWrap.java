package io.kubesgx.keybroker.wrap;

import io.kubesgx.keybroker.wrap.KeyWrapException.Reason;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * RSA-AES key wrap as Key Vault's release uses it: {@code blob = RSA-OAEP(transferKey, KEK) ‖
 * AES-KWP(KEK, keyMaterial)} with a fresh 32-byte KEK; the first part is exactly the modulus length.
 * Key material is the raw bytes of an oct key or the PKCS#8 DER of an RSA/EC private key.
 *
 * <pre>{@code
 * byte[] blob = RsaAesKeyWrap.wrap(transferKey, KeyExportEncryption.RSA_AES_KEY_WRAP_256, pkcs8, random);
 * byte[] key = RsaAesKeyWrap.unwrap(enclavePrivateKey, KeyExportEncryption.RSA_AES_KEY_WRAP_256, blob);
 * }</pre>
 */
public final class RsaAesKeyWrap {
  /** Smallest transfer-key modulus accepted, in bits. */
  public static final int MIN_RSA_BITS = 2048;
  /** Largest transfer-key modulus accepted, in bits. */
  public static final int MAX_RSA_BITS = 8192;
  /** Largest key material wrapped, in bytes. */
  public static final int MAX_KEY_MATERIAL = 16 * 1024;
  /** Length of the AES key-encryption key: AES-256 (SC {@code RsaAESKeyUnwrap}; OpenSSL {@code EVP_aes_256_wrap_pad}). */
  public static final int KEK_BYTES = 32;

  private RsaAesKeyWrap() {}

  /**
   * Wraps {@code keyMaterial} to {@code transferKey}.
   *
   * @throws KeyWrapException {@link Reason#BAD_TRANSFER_KEY} or {@link Reason#BAD_KEY_MATERIAL}
   */
  public static byte[] wrap(RSAPublicKey transferKey, KeyExportEncryption enc, byte[] keyMaterial, SecureRandom random)
      throws KeyWrapException {
    Objects.requireNonNull(enc, "enc");
    Objects.requireNonNull(random, "random");
    checkSize(transferKey.getModulus().bitLength());
    if (keyMaterial.length == 0 || keyMaterial.length > MAX_KEY_MATERIAL) {
      throw new KeyWrapException(Reason.BAD_KEY_MATERIAL, "key material must be 1.." + MAX_KEY_MATERIAL + " bytes");
    }
    byte[] kek = new byte[KEK_BYTES];
    random.nextBytes(kek);
    try {
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.ENCRYPT_MODE, transferKey, enc.oaep(), random);
      byte[] head = rsa.doFinal(kek);
      // spec: RFC 5649 — AES key wrap with padding, under the KEK.
      Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
      kwp.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"));
      byte[] tail = kwp.doFinal(keyMaterial);
      byte[] out = Arrays.copyOf(head, head.length + tail.length);
      System.arraycopy(tail, 0, out, head.length, tail.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new KeyWrapException(Reason.BAD_TRANSFER_KEY, "cannot wrap to this transfer key: " + e.getMessage());
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Unwraps a blob made by {@link #wrap} (what the enclave does with its private transfer key).
   *
   * @throws KeyWrapException {@link Reason#UNWRAP_FAILED} when the blob does not unwrap
   */
  public static byte[] unwrap(RSAPrivateKey transferKey, KeyExportEncryption enc, byte[] blob) throws KeyWrapException {
    int bits = transferKey.getModulus().bitLength();
    checkSize(bits);
    int n = (bits + 7) / 8;
    // spec: SC RsaAESKeyUnwrap — the first N bytes (N = modulus size) hold the encrypted KEK, the rest the wrapped key.
    if (blob.length < n + 16 || (blob.length - n) % 8 != 0) {
      throw new KeyWrapException(Reason.UNWRAP_FAILED, "the blob does not unwrap with this key");
    }
    byte[] kek = null;
    try {
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.DECRYPT_MODE, transferKey, enc.oaep());
      kek = rsa.doFinal(blob, 0, n);
      if (kek.length != KEK_BYTES && kek.length != 16 && kek.length != 24) {
        throw new KeyWrapException(Reason.UNWRAP_FAILED, "the blob does not unwrap with this key");
      }
      Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
      kwp.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"));
      return kwp.doFinal(blob, n, blob.length - n);
    } catch (GeneralSecurityException e) {
      throw new KeyWrapException(Reason.UNWRAP_FAILED, "the blob does not unwrap with this key");
    } finally {
      if (kek != null) {
        Arrays.fill(kek, (byte) 0);
      }
    }
  }

  private static void checkSize(int bits) throws KeyWrapException {
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw new KeyWrapException(Reason.BAD_TRANSFER_KEY,
          "transfer keys must be RSA " + MIN_RSA_BITS + ".." + MAX_RSA_BITS + " bits, got " + bits);
    }
  }
}
