package io.kubesgx.sdk.secret;

import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPrivateKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * The enclave's side of Key Vault's RSA-AES key wrap: {@code blob = RSA-OAEP(transferKey, KEK) ‖
 * AES-KWP(KEK, keyMaterial)}, the first part exactly the modulus length (key-broker reference §1.4,
 * after SC {@code RsaAESKeyUnwrap}).
 */
final class RsaAesUnwrap {
  /** Largest blob accepted (a 8192-bit transfer key plus 64 KiB of wrapped key material). */
  static final int MAX_BLOB = 1024 + 64 * 1024 + 8;

  private RsaAesUnwrap() {}

  /**
   * Unwraps {@code blob} with the enclave's private transfer key.
   *
   * @throws SecretException {@link SecretException.Reason#UNWRAP_FAILED} when it does not unwrap
   */
  static byte[] unwrap(RSAPrivateKey transferKey, KeyWrapAlgorithm alg, byte[] blob) throws SecretException {
    int n = (transferKey.getModulus().bitLength() + 7) / 8;
    // spec: the first N bytes (N = modulus size) hold the encrypted KEK; the rest is the RFC 5649
    // wrap, at least 16 bytes and a multiple of 8.
    if (blob.length > MAX_BLOB || blob.length < n + 16 || (blob.length - n) % 8 != 0) {
      throw failed(null);
    }
    byte[] kek = null;
    try {
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
      rsa.init(Cipher.DECRYPT_MODE, transferKey, alg.oaep());
      kek = rsa.doFinal(blob, 0, n);
      if (kek.length != 16 && kek.length != 24 && kek.length != 32) {
        throw failed(null);
      }
      // spec: RFC 5649, AES key wrap with padding (JDK 17: AES/KWP/NoPadding).
      Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
      kwp.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"));
      return kwp.doFinal(blob, n, blob.length - n);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw failed(e);
    } finally {
      if (kek != null) {
        Arrays.fill(kek, (byte) 0);
      }
    }
  }

  private static SecretException failed(Throwable cause) {
    // One generic message: which step failed must not serve as an oracle.
    return new SecretException(SecretException.Reason.UNWRAP_FAILED,
        "the released key does not unwrap with this enclave's transfer key", cause);
  }
}
