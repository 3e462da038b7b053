package io.kubesgx.enclave.internal;

/** Little-endian reads and writes on byte arrays the caller owns (SGX structures are little-endian). */
public final class Le {
  private Le() {}

  /** Writes the low 16 bits of {@code v} at {@code off}. */
  public static void put16(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
  }

  /** Writes the low 32 bits of {@code v} at {@code off}. */
  public static void put32(byte[] b, int off, long v) {
    for (int i = 0; i < 4; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  /** Writes the 64 bits of {@code v} at {@code off}. */
  public static void put64(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  /** Reads an unsigned 16-bit value at {@code off}. */
  public static int get16(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
  }

  /** Reads an unsigned 32-bit value at {@code off}. */
  public static long get32(byte[] b, int off) {
    long v = 0;
    for (int i = 3; i >= 0; i--) {
      v = v << 8 | (b[off + i] & 0xffL);
    }
    return v;
  }

  /** Reads a 64-bit value at {@code off}. */
  public static long get64(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[off + i] & 0xffL);
    }
    return v;
  }

  /** Returns a reversed copy (little-endian ↔ big-endian). */
  public static byte[] reverse(byte[] in) {
    byte[] out = new byte[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[in.length - 1 - i];
    }
    return out;
  }

  /** Returns true when {@code b[from, to)} are all zero. */
  public static boolean allZero(byte[] b, int from, int to) {
    int acc = 0;
    for (int i = from; i < to; i++) {
      acc |= b[i];
    }
    return acc == 0;
  }
}
