package io.kubesgx.quote;

/** The TEE type of a quote header (offset 4; always 0 in v3). */
public enum TeeType {
  /** Intel SGX enclave, header value {@code 0x00000000}. */
  SGX(0x00),
  /** Intel TDX trust domain, header value {@code 0x00000081}. */
  TDX(0x81);

  private final long value;

  TeeType(long value) {
    this.value = value;
  }

  /** Returns the wire value. */
  public long value() {
    return value;
  }
}
