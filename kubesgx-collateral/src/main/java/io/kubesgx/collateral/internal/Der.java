package io.kubesgx.collateral.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal DER framing checks: outer SEQUENCE framing of certificates and CRLs. No X.509 parsing
 * happens here; ECDSA-Sig-Value parsing is {@link io.kubesgx.common.crypto.Ecdsa#derToP1363}.
 */
public final class Der {
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
}
