package io.kubesgx.common;

import java.security.MessageDigest;
import java.util.Arrays;

/** An immutable byte string; every way in and out copies, so no caller can mutate it. */
public final class Bytes implements Comparable<Bytes> {
  private static final Bytes EMPTY = new Bytes(new byte[0]);
  private final byte[] data;

  private Bytes(byte[] data) {
    this.data = data;
  }

  /** Returns an immutable copy of {@code data}. */
  public static Bytes of(byte[] data) {
    return data.length == 0 ? EMPTY : new Bytes(data.clone());
  }

  /** Returns an immutable copy of {@code data[from, from+length)}. */
  public static Bytes of(byte[] data, int from, int length) {
    if (from < 0 || length < 0 || from > data.length - length) {
      throw new IndexOutOfBoundsException("range " + from + "+" + length + " outside " + data.length);
    }
    return new Bytes(Arrays.copyOfRange(data, from, from + length));
  }

  /** Returns the empty byte string. */
  public static Bytes empty() {
    return EMPTY;
  }

  /** Returns {@code n} zero bytes. */
  public static Bytes zeros(int n) {
    return new Bytes(new byte[n]);
  }

  /** Decodes lower- or upper-case hex (no separators). */
  public static Bytes fromHex(String hex) throws MalformedInputException {
    return new Bytes(Hex.decode(hex));
  }

  /** Returns a fresh copy of the content. */
  public byte[] toByteArray() {
    return data.clone();
  }

  /** Returns the number of bytes. */
  public int length() {
    return data.length;
  }

  /** Returns the unsigned byte at {@code index}. */
  public int get(int index) {
    return data[index] & 0xff;
  }

  /** Returns the sub-range {@code [from, to)} as a new value. */
  public Bytes slice(int from, int to) {
    if (from < 0 || to > data.length || from > to) {
      throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + data.length);
    }
    return new Bytes(Arrays.copyOfRange(data, from, to));
  }

  /** Returns this value followed by {@code other}. */
  public Bytes concat(Bytes other) {
    byte[] out = Arrays.copyOf(data, data.length + other.data.length);
    System.arraycopy(other.data, 0, out, data.length, other.data.length);
    return new Bytes(out);
  }

  /** Returns true when every byte is zero (true for the empty string). */
  public boolean isAllZero() {
    for (byte b : data) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Returns lower-case hex. */
  public String hex() {
    return Hex.encode(data);
  }

  /** Returns the SHA-256 digest of the content. */
  public Bytes sha256() {
    try {
      return new Bytes(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** Feeds the content into a digest without exposing the backing array to callers. */
  public void updateDigest(MessageDigest digest) {
    digest.update(data);
  }

  /** Compares in constant time with respect to the content. */
  public boolean constantTimeEquals(Bytes other) {
    return MessageDigest.isEqual(data, other.data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes && Arrays.equals(data, ((Bytes) o).data);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(data);
  }

  @Override
  public int compareTo(Bytes o) {
    return Arrays.compareUnsigned(data, o.data);
  }

  @Override
  public String toString() {
    return hex();
  }
}
