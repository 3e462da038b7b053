package io.kubesgx.sim.internal;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * ECDSA P-256 with SHA-256 through the preferred JCA provider, returning the 64-byte r‖s form
 * quotes use. One instance per thread ({@link Signature} is not thread-safe).
 */
public final class EcdsaSigner {
  private final PrivateKey key;
  private final ThreadLocal<Signature> signatures;

  /** Creates a signer for {@code key}. */
  public EcdsaSigner(PrivateKey key) {
    this.key = key;
    this.signatures = ThreadLocal.withInitial(EcdsaSigner::newSignature);
  }

  /** Signs {@code message[offset, offset + length)} and writes r‖s into {@code out} at {@code outOffset}. */
  public void sign(byte[] message, int offset, int length, byte[] out, int outOffset) {
    try {
      Signature s = signatures.get();
      s.initSign(key);
      s.update(message, offset, length);
      derToP1363(s.sign(), out, outOffset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ECDSA signing failed", e);
    }
  }

  /** Signs {@code message} and returns r‖s. */
  public byte[] sign(byte[] message) {
    byte[] out = new byte[64];
    sign(message, 0, message.length, out, 0);
    return out;
  }

  private static Signature newSignature() {
    try {
      return Signature.getInstance("SHA256withECDSA");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA256withECDSA unavailable", e);
    }
  }

  /** Converts our own provider's DER signature (SEQUENCE of two INTEGERs) to fixed 32-byte r and s. */
  static void derToP1363(byte[] der, byte[] out, int off) {
    int p = 0;
    if (der[p++] != 0x30) {
      throw new IllegalStateException("provider returned a non-DER ECDSA signature");
    }
    int seqLen = der[p++] & 0xff;
    if (seqLen == 0x81) {
      p++;
    }
    for (int i = 0; i < 2; i++) {
      if (der[p++] != 0x02) {
        throw new IllegalStateException("provider returned a non-DER ECDSA signature");
      }
      int len = der[p++] & 0xff;
      int start = p;
      int n = len;
      while (n > 32 && der[start] == 0) {
        start++;
        n--;
      }
      if (n > 32) {
        throw new IllegalStateException("ECDSA integer longer than 32 bytes");
      }
      int dst = off + i * 32;
      java.util.Arrays.fill(out, dst, dst + 32 - n, (byte) 0);
      System.arraycopy(der, start, out, dst + 32 - n, n);
      p += len;
    }
  }
}
