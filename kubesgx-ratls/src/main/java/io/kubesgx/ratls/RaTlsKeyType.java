package io.kubesgx.ratls;

/** The EC curve of an RA-TLS key: P-384 as Gramine generates, or P-256 (both accepted by Gramine's verifier). */
public enum RaTlsKeyType {
  /** NIST P-384 (secp384r1): Gramine's choice and our default. */
  P384("secp384r1", 48),
  /** NIST P-256 (secp256r1, prime256v1). */
  P256("secp256r1", 32);

  private final String curveName;
  private final int fieldBytes;

  RaTlsKeyType(String curveName, int fieldBytes) {
    this.curveName = curveName;
    this.fieldBytes = fieldBytes;
  }

  /** Returns the JCA standard curve name. */
  public String curveName() {
    return curveName;
  }

  /** Returns the size of one coordinate in bytes. */
  int fieldBytes() {
    return fieldBytes;
  }
}
