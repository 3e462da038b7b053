package io.kubesgx.testing.internal;

import io.kubesgx.common.Bytes;
import java.io.ByteArrayOutputStream;

/** Appends little-endian integers and byte strings; the writing half of our bounds-checked reader. */
public final class LeWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** Appends a u16. */
  public LeWriter u16(int v) {
    out.write(v & 0xff);
    out.write((v >>> 8) & 0xff);
    return this;
  }

  /** Appends a u32. */
  public LeWriter u32(long v) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /** Appends a u64. */
  public LeWriter u64(long v) {
    for (int i = 0; i < 8; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /** Appends raw bytes. */
  public LeWriter bytes(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  /** Appends raw bytes. */
  public LeWriter bytes(Bytes b) {
    return bytes(b.toByteArray());
  }

  /** Appends exactly {@code size} bytes: {@code b} (which must not be longer) padded with zeros. */
  public LeWriter fixed(Bytes b, int size) {
    if (b.length() > size) {
      throw new IllegalArgumentException("field of " + size + " bytes given " + b.length());
    }
    bytes(b);
    return zeros(size - b.length());
  }

  /** Appends {@code n} zero bytes. */
  public LeWriter zeros(int n) {
    return bytes(new byte[n]);
  }

  /** Returns the current length. */
  public int size() {
    return out.size();
  }

  /** Returns the bytes written so far. */
  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
