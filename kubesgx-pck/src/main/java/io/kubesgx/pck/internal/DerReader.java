package io.kubesgx.pck.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * A strict, bounds-checked reader of DER (X.690 distinguished encoding) over an immutable copy of
 * the input.
 *
 * <p>Only single-byte tags and definite, minimally encoded lengths are accepted; every read checks
 * its bounds and failures surface only as {@link MalformedInputException}. Sub-readers returned by
 * {@link #readSequence()} view the same backing array, restricted to the element's contents.
 */
public final class DerReader {
  /** Universal tag BOOLEAN. */
  public static final int TAG_BOOLEAN = 0x01;
  /** Universal tag INTEGER. */
  public static final int TAG_INTEGER = 0x02;
  /** Universal tag OCTET STRING. */
  public static final int TAG_OCTET_STRING = 0x04;
  /** Universal tag OBJECT IDENTIFIER. */
  public static final int TAG_OID = 0x06;
  /** Universal tag ENUMERATED. */
  public static final int TAG_ENUMERATED = 0x0a;
  /** Universal constructed tag SEQUENCE. */
  public static final int TAG_SEQUENCE = 0x30;

  /** Longest OBJECT IDENTIFIER content accepted, in bytes (real OIDs are far shorter). */
  private static final int MAX_OID_LENGTH = 64;
  /** Longest INTEGER content accepted, in bytes. */
  private static final int MAX_INTEGER_LENGTH = 64;

  private final byte[] buf;
  private final int end;
  private int pos;

  private DerReader(byte[] buf, int start, int end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Returns a reader over a private copy of {@code data}. */
  public static DerReader of(byte[] data) {
    byte[] copy = data.clone();
    return new DerReader(copy, 0, copy.length);
  }

  /** Returns a reader over the content of {@code data}. */
  public static DerReader of(Bytes data) {
    byte[] copy = data.toByteArray();
    return new DerReader(copy, 0, copy.length);
  }

  /**
   * Returns the total encoded length (tag + length + contents) of the DER element starting at
   * {@code offset} in {@code data}, checking that it lies entirely within {@code data}.
   */
  public static int elementLength(byte[] data, int offset) throws MalformedInputException {
    if (offset < 0 || offset >= data.length) {
      throw new MalformedInputException("DER element offset " + offset + " outside " + data.length);
    }
    DerReader r = new DerReader(data, offset, data.length);
    r.readTag();
    int len = r.readLength();
    if (len > r.remaining()) {
      throw new MalformedInputException(
          "DER length " + len + " exceeds the " + r.remaining() + " bytes available");
    }
    return (r.pos - offset) + len;
  }

  /** Returns the number of unread bytes. */
  public int remaining() {
    return end - pos;
  }

  /** Returns true when every byte has been read. */
  public boolean isAtEnd() {
    return pos == end;
  }

  /** Throws unless every byte has been read. */
  public void expectEnd() throws MalformedInputException {
    if (pos != end) {
      throw new MalformedInputException(remaining() + " unexpected trailing bytes in DER element");
    }
  }

  /** Returns the tag of the next element without consuming it. */
  public int peekTag() throws MalformedInputException {
    if (pos >= end) {
      throw new MalformedInputException("DER data truncated: expected a tag");
    }
    return buf[pos] & 0xff;
  }

  /** Reads the next element of any tag and returns its tag and contents. */
  public Element readElement() throws MalformedInputException {
    int tag = readTag();
    int len = readLength();
    if (len > remaining()) {
      throw new MalformedInputException(
          "DER length " + len + " exceeds the " + remaining() + " bytes available");
    }
    int start = pos;
    pos += len;
    return new Element(tag, new DerReader(buf, start, start + len));
  }

  /**
   * Consumes the next element and returns a reader over its complete encoding (tag, length and
   * contents), so that it can be read again later with a typed method.
   */
  public DerReader readRawElement() throws MalformedInputException {
    int start = pos;
    readElement();
    return new DerReader(buf, start, pos);
  }

  /** Reads an element that must carry {@code expectedTag}; returns a reader over its contents. */
  public DerReader read(int expectedTag) throws MalformedInputException {
    Element e = readElement();
    if (e.tag() != expectedTag) {
      throw new MalformedInputException(
          String.format("expected DER tag 0x%02x, found 0x%02x", expectedTag, e.tag()));
    }
    return e.contents();
  }

  /** Reads a SEQUENCE and returns a reader over its contents. */
  public DerReader readSequence() throws MalformedInputException {
    return read(TAG_SEQUENCE);
  }

  /** Reads an OCTET STRING (primitive form only). */
  public Bytes readOctetString() throws MalformedInputException {
    return read(TAG_OCTET_STRING).rest();
  }

  /** Reads a DER BOOLEAN; only the canonical contents {@code 00} and {@code ff} are accepted. */
  public boolean readBoolean() throws MalformedInputException {
    DerReader c = read(TAG_BOOLEAN);
    if (c.remaining() != 1) {
      throw new MalformedInputException("DER BOOLEAN must have one content byte");
    }
    int v = c.buf[c.pos] & 0xff;
    if (v == 0x00) {
      return false;
    }
    if (v == 0xff) {
      return true;
    }
    throw new MalformedInputException(String.format("non-canonical DER BOOLEAN 0x%02x", v));
  }

  /** Reads a signed, minimally encoded INTEGER. */
  public BigInteger readInteger() throws MalformedInputException {
    return read(TAG_INTEGER).integerContents("INTEGER");
  }

  /** Reads a signed, minimally encoded ENUMERATED. */
  public BigInteger readEnumerated() throws MalformedInputException {
    return read(TAG_ENUMERATED).integerContents("ENUMERATED");
  }

  /** Reads an OBJECT IDENTIFIER and returns it in dotted-decimal form. */
  public String readOid() throws MalformedInputException {
    DerReader c = read(TAG_OID);
    int n = c.remaining();
    if (n == 0 || n > MAX_OID_LENGTH) {
      throw new MalformedInputException("DER OBJECT IDENTIFIER has invalid length " + n);
    }
    StringBuilder sb = new StringBuilder();
    boolean first = true;
    while (!c.isAtEnd()) {
      long arc = 0;
      int b;
      boolean leading = true;
      do {
        if (c.isAtEnd()) {
          throw new MalformedInputException("DER OBJECT IDENTIFIER arc truncated");
        }
        b = c.buf[c.pos++] & 0xff;
        if (leading && b == 0x80) {
          throw new MalformedInputException("DER OBJECT IDENTIFIER arc not minimally encoded");
        }
        leading = false;
        if (arc > (Long.MAX_VALUE >>> 7)) {
          throw new MalformedInputException("DER OBJECT IDENTIFIER arc too large");
        }
        arc = (arc << 7) | (b & 0x7f);
      } while ((b & 0x80) != 0);
      if (first) {
        if (arc < 40) {
          sb.append("0.").append(arc);
        } else if (arc < 80) {
          sb.append("1.").append(arc - 40);
        } else {
          sb.append("2.").append(arc - 80);
        }
        first = false;
      } else {
        sb.append('.').append(arc);
      }
    }
    return sb.toString();
  }

  /** Returns the unread bytes and consumes them. */
  public Bytes rest() {
    Bytes out = Bytes.of(buf, pos, end - pos);
    pos = end;
    return out;
  }

  private BigInteger integerContents(String what) throws MalformedInputException {
    int n = remaining();
    if (n == 0) {
      throw new MalformedInputException("DER " + what + " is empty");
    }
    if (n > MAX_INTEGER_LENGTH) {
      throw new MalformedInputException("DER " + what + " too long: " + n + " bytes");
    }
    if (n > 1) {
      int b0 = buf[pos] & 0xff;
      int b1 = buf[pos + 1] & 0x80;
      if ((b0 == 0x00 && b1 == 0) || (b0 == 0xff && b1 != 0)) {
        throw new MalformedInputException("DER " + what + " not minimally encoded");
      }
    }
    BigInteger v = new BigInteger(Arrays.copyOfRange(buf, pos, end));
    pos = end;
    return v;
  }

  private int readTag() throws MalformedInputException {
    if (pos >= end) {
      throw new MalformedInputException("DER data truncated: expected a tag");
    }
    int tag = buf[pos++] & 0xff;
    if ((tag & 0x1f) == 0x1f) {
      throw new MalformedInputException("multi-byte DER tags are not supported");
    }
    return tag;
  }

  private int readLength() throws MalformedInputException {
    if (pos >= end) {
      throw new MalformedInputException("DER data truncated: expected a length");
    }
    int first = buf[pos++] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int count = first & 0x7f;
    if (count == 0) {
      throw new MalformedInputException("indefinite DER length is not allowed");
    }
    if (count > 3) {
      throw new MalformedInputException("DER length of " + count + " bytes is too large");
    }
    if (count > remaining()) {
      throw new MalformedInputException("DER length truncated");
    }
    int len = 0;
    for (int i = 0; i < count; i++) {
      len = (len << 8) | (buf[pos++] & 0xff);
    }
    if (len < 0x80 || len < (1 << (8 * (count - 1)))) {
      throw new MalformedInputException("DER length not minimally encoded");
    }
    return len;
  }

  /** One decoded element: its tag and a reader over its contents. */
  public record Element(int tag, DerReader contents) {}
}
