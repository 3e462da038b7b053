package io.kubesgx.pck;

import io.kubesgx.common.MalformedInputException;

/**
 * The SGX type of a platform, from the ENUMERATED {@code 1.2.840.113741.1.13.1.5} in a PCK
 * certificate (dcap-verification.md §3.3).
 */
public enum SgxType {
  /** Value 0: Standard. */
  STANDARD(0),
  /** Value 1: Scalable. */
  SCALABLE(1),
  /** Value 2: Scalable with integrity. */
  SCALABLE_WITH_INTEGRITY(2);

  private final int value;

  SgxType(int value) {
    this.value = value;
  }

  /** Returns the encoded value (0, 1 or 2). */
  public int value() {
    return value;
  }

  /** Returns the type for an encoded value; unknown values fail closed. */
  public static SgxType fromValue(int value) throws MalformedInputException {
    for (SgxType t : values()) {
      if (t.value == value) {
        return t;
      }
    }
    throw new MalformedInputException("unknown SGX type " + value);
  }
}
