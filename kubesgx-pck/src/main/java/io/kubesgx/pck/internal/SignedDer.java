package io.kubesgx.pck.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;

/** Checks the outer shape of a signed X.509 structure (certificate or CRL). */
public final class SignedDer {
  private static final int TAG_BIT_STRING = 0x03;

  private SignedDer() {}

  /**
   * Requires {@code SEQUENCE { tbs SEQUENCE, algorithm SEQUENCE, signature BIT STRING }} with no
   * unused bits in the signature BIT STRING (DER ECDSA signatures are whole bytes; the JDK would
   * silently mask padding bits, OpenSSL and Intel's QVL reject them).
   */
  public static void requireWellFormedSignature(byte[] der, String what) throws MalformedInputException {
    DerReader outer = DerReader.of(der).readSequence();
    outer.readSequence();
    outer.readSequence();
    Bytes bits = outer.read(TAG_BIT_STRING).rest();
    outer.expectEnd();
    if (bits.length() < 2 || bits.get(0) != 0) {
      throw new MalformedInputException(what + " signature BIT STRING must have zero unused bits");
    }
  }
}
