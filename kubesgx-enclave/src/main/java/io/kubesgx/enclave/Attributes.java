package io.kubesgx.enclave;

import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.internal.Le;

/**
 * SGX ATTRIBUTES: the 64-bit flags followed by the 64-bit XFRM, 16 bytes little-endian.
 *
 * <p>Flag values from {@code enclave-measurement.md} §4.4 ({@code sgx_attributes.h}).
 *
 * @see <a href="https://github.com/intel/linux-sgx">sgx_attributes_t</a>
 */
public record Attributes(long flags, long xfrm) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 16;
  /** The enclave has been initialised by EINIT. */
  public static final long INIT = 0x1;
  /** The enclave can be debugged (its memory is readable with EDBGRD). */
  public static final long DEBUG = 0x2;
  /** The enclave runs in 64-bit mode. */
  public static final long MODE64BIT = 0x4;
  /** The enclave may request the provisioning keys. */
  public static final long PROVISIONKEY = 0x10;
  /** The enclave may request the launch (EINITTOKEN) key. */
  public static final long EINITTOKENKEY = 0x20;
  /** Key separation and sharing: CONFIGID, CONFIGSVN, ISVFAMILYID and ISVEXTPRODID are in effect. */
  public static final long KSS = 0x80;
  /** Asynchronous-exit notification is enabled. */
  public static final long AEXNOTIFY = 0x400;

  /** Reads exactly 16 bytes (flags then XFRM); a wrong length is an {@link IllegalArgumentException}. */
  public static Attributes parse(Bytes b16) {
    if (b16.length() != SIZE) {
      throw new IllegalArgumentException("ATTRIBUTES must be 16 bytes, got " + b16.length());
    }
    byte[] b = b16.toByteArray();
    return read(b, 0);
  }

  /** Reads 16 bytes at {@code off}. */
  static Attributes read(byte[] b, int off) {
    return new Attributes(Le.get64(b, off), Le.get64(b, off + 8));
  }

  /** Returns the 16-byte encoding: flags then XFRM, both little-endian. */
  public Bytes toBytes() {
    byte[] b = new byte[SIZE];
    writeTo(b, 0);
    return Bytes.of(b);
  }

  /** Writes the 16-byte encoding at {@code off}. */
  void writeTo(byte[] b, int off) {
    Le.put64(b, off, flags);
    Le.put64(b, off + 8, xfrm);
  }

  /** Returns true when every bit of {@code flag} is set in the flags. */
  public boolean has(long flag) {
    return (flags & flag) == flag;
  }

  /** Returns the bitwise AND of flags and of XFRM with {@code mask}. */
  public Attributes and(Attributes mask) {
    return new Attributes(flags & mask.flags, xfrm & mask.xfrm);
  }

  /** Returns a copy with the bits of {@code flag} set in the flags. */
  public Attributes withFlags(long flag) {
    return new Attributes(flags | flag, xfrm);
  }

  @Override
  public String toString() {
    return String.format("Attributes[flags=0x%x, xfrm=0x%x]", flags, xfrm);
  }
}
