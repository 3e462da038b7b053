package io.kubesgx.keybroker.keys;

import java.util.List;

/** The family of a key, with its Key Vault {@code kty} spelling and default operations. */
public enum KeyKind {
  /** RSA private key (2048 or 3072 bits). */
  RSA("RSA", List.of("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey")),
  /** EC private key on P-256 or P-384. */
  EC("EC", List.of("sign", "verify")),
  /** Symmetric key of 128, 192 or 256 bits. */
  OCT("oct", List.of("encrypt", "decrypt", "wrapKey", "unwrapKey"));

  private final String wire;
  private final List<String> defaultOps;

  KeyKind(String wire, List<String> defaultOps) {
    this.wire = wire;
    this.defaultOps = defaultOps;
  }

  /** Returns the {@code kty} without the {@code -HSM} suffix. */
  public String wire() {
    return wire;
  }

  /** Returns the operations a new key of this kind allows when none are given. */
  public List<String> defaultOps() {
    return defaultOps;
  }
}
