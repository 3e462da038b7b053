package io.kubesgx.enclave.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-128-CMAC (RFC 4493) over the JCA's {@code AES/ECB/NoPadding}; the MAC of SGX key derivation and
 * of REPORT.
 *
 * <p>Thread-safe: each thread reuses its own {@link Cipher} instance.
 */
public final class AesCmac {
  /** Block and tag size in bytes. */
  public static final int BLOCK = 16;

  private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

  private AesCmac() {}

  /** Per-thread cipher and scratch blocks. */
  private static final class State {
    final Cipher aes;
    final byte[] x = new byte[BLOCK];
    final byte[] y = new byte[BLOCK];
    final byte[] k1 = new byte[BLOCK];
    final byte[] k2 = new byte[BLOCK];

    State() {
      try {
        aes = Cipher.getInstance("AES/ECB/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES/ECB/NoPadding is required by every Java platform", e);
      }
    }

    void encrypt(byte[] in, byte[] out) {
      try {
        aes.doFinal(in, 0, BLOCK, out, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES block encryption failed", e);
      }
    }
  }

  /** Returns the 16-byte CMAC of {@code msg} under the 16-byte AES key {@code key}. */
  public static byte[] mac(byte[] key, byte[] msg) {
    return mac(key, msg, 0, msg.length);
  }

  /** Returns the 16-byte CMAC of {@code msg[off, off+len)} under the 16-byte AES key {@code key}. */
  public static byte[] mac(byte[] key, byte[] msg, int off, int len) {
    if (key.length != BLOCK) {
      throw new IllegalArgumentException("AES-128-CMAC key must be 16 bytes, got " + key.length);
    }
    if (off < 0 || len < 0 || off > msg.length - len) {
      throw new IndexOutOfBoundsException("range " + off + "+" + len + " outside " + msg.length);
    }
    State s = STATE.get();
    try {
      s.aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot initialise AES", e);
    }
    byte[] x = s.x;
    byte[] y = s.y;
    // RFC 4493 §2.3: L = AES(K, 0^128); K1 = dbl(L); K2 = dbl(K1).
    java.util.Arrays.fill(x, (byte) 0);
    s.encrypt(x, y);
    dbl(y, s.k1);
    dbl(s.k1, s.k2);
    // RFC 4493 §2.4: CBC-MAC over all blocks but the last, then the last block XOR K1 (complete)
    // or padded with 10* and XOR K2 (incomplete or empty message).
    int n = (len + BLOCK - 1) / BLOCK;
    boolean complete = n > 0 && len % BLOCK == 0;
    if (n == 0) {
      n = 1;
    }
    java.util.Arrays.fill(x, (byte) 0);
    int p = off;
    for (int i = 0; i < n - 1; i++) {
      for (int j = 0; j < BLOCK; j++) {
        x[j] ^= msg[p + j];
      }
      s.encrypt(x, y);
      System.arraycopy(y, 0, x, 0, BLOCK);
      p += BLOCK;
    }
    int last = off + len - p;
    if (complete) {
      for (int j = 0; j < BLOCK; j++) {
        x[j] ^= (byte) (msg[p + j] ^ s.k1[j]);
      }
    } else {
      for (int j = 0; j < BLOCK; j++) {
        byte m = j < last ? msg[p + j] : (j == last ? (byte) 0x80 : 0);
        x[j] ^= (byte) (m ^ s.k2[j]);
      }
    }
    byte[] tag = new byte[BLOCK];
    s.encrypt(x, tag);
    java.util.Arrays.fill(x, (byte) 0);
    java.util.Arrays.fill(y, (byte) 0);
    return tag;
  }

  /** Doubling in GF(2^128) as RFC 4493 defines it (shift left, conditional XOR with 0x87). */
  private static void dbl(byte[] in, byte[] out) {
    int carry = (in[0] & 0x80) != 0 ? 0x87 : 0;
    for (int i = 0; i < BLOCK - 1; i++) {
      out[i] = (byte) ((in[i] << 1) | ((in[i + 1] & 0xff) >>> 7));
    }
    out[BLOCK - 1] = (byte) ((in[BLOCK - 1] << 1) ^ carry);
  }
}
