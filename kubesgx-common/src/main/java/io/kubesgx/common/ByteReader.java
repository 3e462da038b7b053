package io.kubesgx.common;

/**
 * The one bounds-checked little-endian reader for untrusted bytes.
 *
 * <p>Every read checks the remaining length first and fails with {@link MalformedInputException};
 * lengths read from the input are never used to allocate before they are checked against what is
 * actually left. The reader copies its input and never exposes the backing array.
 */
public final class ByteReader {
  private final byte[] buf;
  private final int end;
  private int pos;

  private ByteReader(byte[] buf, int start, int end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Creates a reader over a private copy of {@code data}. */
  public static ByteReader of(byte[] data) {
    byte[] copy = data.clone();
    return new ByteReader(copy, 0, copy.length);
  }

  /** Creates a reader over the content of {@code data}. */
  public static ByteReader of(Bytes data) {
    byte[] copy = data.toByteArray();
    return new ByteReader(copy, 0, copy.length);
  }

  private void require(int n, String what) throws MalformedInputException {
    if (n < 0 || end - pos < n) {
      throw new MalformedInputException(
          what + ": need " + Integer.toUnsignedString(n) + " bytes at offset " + pos + ", only "
              + (end - pos) + " left");
    }
  }

  /** Reads one unsigned byte. */
  public int u8(String what) throws MalformedInputException {
    require(1, what);
    return buf[pos++] & 0xff;
  }

  /** Reads an unsigned little-endian 16-bit value. */
  public int u16(String what) throws MalformedInputException {
    require(2, what);
    int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
    pos += 2;
    return v;
  }

  /** Reads an unsigned little-endian 32-bit value. */
  public long u32(String what) throws MalformedInputException {
    require(4, what);
    long v =
        (buf[pos] & 0xffL)
            | (buf[pos + 1] & 0xffL) << 8
            | (buf[pos + 2] & 0xffL) << 16
            | (buf[pos + 3] & 0xffL) << 24;
    pos += 4;
    return v;
  }

  /** Reads a little-endian 64-bit value (as a signed long holding the raw bits). */
  public long u64(String what) throws MalformedInputException {
    long lo = u32(what);
    long hi = u32(what);
    return lo | hi << 32;
  }

  /** Reads a length read from the input as u32 and checks it fits in what is left. */
  public int length32(String what) throws MalformedInputException {
    long n = u32(what);
    if (n > end - pos) {
      throw new MalformedInputException(
          what + " declares " + n + " bytes at offset " + pos + ", only " + (end - pos) + " left");
    }
    return (int) n;
  }

  /** Reads exactly {@code n} bytes. */
  public Bytes bytes(int n, String what) throws MalformedInputException {
    require(n, what);
    Bytes b = Bytes.of(buf, pos, n);
    pos += n;
    return b;
  }

  /** Reads {@code n} bytes that must all be zero (reserved fields, padding). */
  public void zeros(int n, String what) throws MalformedInputException {
    int at = pos;
    if (!bytes(n, what).isAllZero()) {
      throw new MalformedInputException(what + ": bytes " + at + ".." + (at + n - 1) + " must be zero");
    }
  }

  /** Returns a reader over the next {@code n} bytes and skips them here. */
  public ByteReader sub(int n, String what) throws MalformedInputException {
    require(n, what);
    ByteReader r = new ByteReader(buf, pos, pos + n);
    pos += n;
    return r;
  }

  /** Returns how many bytes are left. */
  public int remaining() {
    return end - pos;
  }

  /** Returns how many bytes have been consumed since this reader was created. */
  public int consumed(int startOffsetOfReader) {
    return pos - startOffsetOfReader;
  }

  /** Returns the number of bytes read so far from the start of the top-level input. */
  public int offset() {
    return pos;
  }

  /** Returns everything that is left, consuming it. */
  public Bytes rest() {
    Bytes b = Bytes.of(buf, pos, end - pos);
    pos = end;
    return b;
  }

  /** Fails unless every byte has been consumed. */
  public void expectEnd(String what) throws MalformedInputException {
    if (pos != end) {
      throw new MalformedInputException(what + ": " + (end - pos) + " unexpected bytes at offset " + pos);
    }
  }
}
