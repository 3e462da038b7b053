package io.kubesgx.sdk.secret;

import java.security.spec.MGF1ParameterSpec;
import java.util.Optional;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * How a released key is wrapped to the enclave's transfer key (Key Vault's {@code enc}, {@code
 * KeyEncryptionAlgorithm} in the 7.6 REST specification): RSA-OAEP of a 32-byte AES key followed by
 * the RFC 5649 wrap of the key under it. The OAEP hash is also the MGF1 hash.
 */
public enum KeyWrapAlgorithm {
  /** RSA-OAEP with SHA-1 (the service's default when {@code enc} is omitted); kept for old brokers. */
  CKM_RSA_AES_KEY_WRAP("SHA-1", MGF1ParameterSpec.SHA1),
  /** RSA-OAEP with SHA-256; the SDK's default. */
  RSA_AES_KEY_WRAP_256("SHA-256", MGF1ParameterSpec.SHA256),
  /** RSA-OAEP with SHA-384. */
  RSA_AES_KEY_WRAP_384("SHA-384", MGF1ParameterSpec.SHA384);

  private final String hash;
  private final MGF1ParameterSpec mgf1;

  KeyWrapAlgorithm(String hash, MGF1ParameterSpec mgf1) {
    this.hash = hash;
    this.mgf1 = mgf1;
  }

  /**
   * Returns the OAEP parameters. JCA note (key-broker reference §0.3): {@code
   * RSA/ECB/OAEPWithSHA-256AndMGF1Padding} uses MGF1-SHA-1 in SunJCE, so the parameters are explicit.
   */
  OAEPParameterSpec oaep() {
    return new OAEPParameterSpec(hash, "MGF1", mgf1, PSource.PSpecified.DEFAULT);
  }

  /** Returns the algorithm with this wire name, if any. */
  static Optional<KeyWrapAlgorithm> fromWire(String name) {
    for (KeyWrapAlgorithm a : values()) {
      if (a.name().equals(name)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
