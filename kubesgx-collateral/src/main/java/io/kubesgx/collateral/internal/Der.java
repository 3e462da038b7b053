package io.kubesgx.collateral.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal DER framing checks: outer SEQUENCE framing of certificates and CRLs, and strict parsing of
 * an ECDSA-Sig-Value into the 64-byte {@code r || s} form. No X.509 parsing happens here.
 */
public final class Der {
  /** Order of the P-256 group (SEC 2, secp256r1 {@code n}). */
  private static final BigInteger P256_N =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private Der() {}

  /**
   * Returns the total length (header plus content) of the DER SEQUENCE starting at {@code off},
   * requiring minimal definite length encoding.
   */
  private static int sequenceLength(byte[] d, int off, String what) throws MalformedInputException {
    int n = d.length - off;
    if (n < 2) {
      throw new MalformedInputException(what + ": truncated DER header");
    }
    if ((d[off] & 0xff) != 0x30) {
      throw new MalformedInputException(
          what + ": expected a DER SEQUENCE (0x30), got 0x" + String.format("%02x", d[off] & 0xff));
    }
    int first = d[off + 1] & 0xff;
    long len;
    int header;
    if (first < 0x80) {
      len = first;
      header = 2;
    } else {
      int k = first & 0x7f;
      if (k == 0 || k > 4) {
        throw new MalformedInputException(what + ": unsupported DER length encoding");
      }
      if (n < 2 + k) {
        throw new MalformedInputException(what + ": truncated DER length");
      }
      len = 0;
      for (int i = 0; i < k; i++) {
        len = len << 8 | (d[off + 2 + i] & 0xff);
      }
      if ((d[off + 2] & 0xff) == 0 || len < 0x80) {
        throw new MalformedInputException(what + ": non-minimal DER length");
      }
      header = 2 + k;
    }
    if (len > n - header) {
      throw new MalformedInputException(
          what + ": DER SEQUENCE declares " + len + " content bytes, only " + (n - header) + " present");
    }
    return (int) (header + len);
  }

  /** Requires {@code der} to be exactly one DER SEQUENCE (the outer frame of a cert or CRL). */
  public static Bytes requireSingleSequence(byte[] der, String what) throws MalformedInputException {
    int len = sequenceLength(der, 0, what);
    if (len != der.length) {
      throw new MalformedInputException(
          what + ": " + (der.length - len) + " unexpected bytes after the DER SEQUENCE");
    }
    return Bytes.of(der);
  }

  /** Splits concatenated DER SEQUENCEs (for example a DER certificate chain); at least one. */
  public static List<Bytes> splitSequences(byte[] der, String what) throws MalformedInputException {
    List<Bytes> out = new ArrayList<>();
    int off = 0;
    while (off < der.length) {
      int len = sequenceLength(der, off, what + "[" + out.size() + "]");
      out.add(Bytes.of(der, off, len));
      off += len;
    }
    if (out.isEmpty()) {
      throw new MalformedInputException(what + ": empty");
    }
    return List.copyOf(out);
  }

  /**
   * Converts a DER ECDSA-Sig-Value {@code SEQUENCE { INTEGER r, INTEGER s }} for P-256 into 64-byte
   * {@code r || s}, rejecting non-minimal encodings, negative values, zero, values not below the
   * group order and trailing bytes.
   */
  public static Bytes ecdsaDerToP1363(byte[] der, String what) throws MalformedInputException {
    if (der.length < 8 || der.length > 72) {
      throw new MalformedInputException(
          what + ": DER ECDSA signature must be 8..72 bytes, got " + der.length);
    }
    if ((der[0] & 0xff) != 0x30) {
      throw new MalformedInputException(what + ": DER ECDSA signature must start with SEQUENCE");
    }
    int len = der[1] & 0xff;
    if (len >= 0x80) {
      throw new MalformedInputException(what + ": DER ECDSA signature has a non-minimal length");
    }
    if (len != der.length - 2) {
      throw new MalformedInputException(
          what + ": DER ECDSA signature length " + len + " does not match " + (der.length - 2)
              + " content bytes");
    }
    int[] pos = {2};
    byte[] r = integer(der, pos, what + " (r)");
    byte[] s = integer(der, pos, what + " (s)");
    if (pos[0] != der.length) {
      throw new MalformedInputException(what + ": trailing bytes inside the DER ECDSA signature");
    }
    byte[] out = new byte[64];
    System.arraycopy(r, 0, out, 32 - r.length, r.length);
    System.arraycopy(s, 0, out, 64 - s.length, s.length);
    return Bytes.of(out);
  }

  private static byte[] integer(byte[] d, int[] pos, String what) throws MalformedInputException {
    int p = pos[0];
    if (d.length - p < 3 || (d[p] & 0xff) != 0x02) {
      throw new MalformedInputException(what + ": expected a DER INTEGER");
    }
    int len = d[p + 1] & 0xff;
    if (len == 0 || len > 33 || len > d.length - p - 2) {
      throw new MalformedInputException(what + ": bad DER INTEGER length " + len);
    }
    int start = p + 2;
    if ((d[start] & 0x80) != 0) {
      throw new MalformedInputException(what + ": negative DER INTEGER");
    }
    if (len > 1 && d[start] == 0 && (d[start + 1] & 0x80) == 0) {
      throw new MalformedInputException(what + ": non-minimal DER INTEGER");
    }
    int from = start;
    int n = len;
    if (d[from] == 0 && n > 1) {
      from++;
      n--;
    }
    if (n > 32) {
      throw new MalformedInputException(what + ": DER INTEGER longer than 32 bytes");
    }
    byte[] v = new byte[n];
    System.arraycopy(d, from, v, 0, n);
    BigInteger b = new BigInteger(1, v);
    if (b.signum() == 0 || b.compareTo(P256_N) >= 0) {
      throw new MalformedInputException(what + ": value outside 1..n-1");
    }
    pos[0] = start + len;
    return v;
  }
}
