package io.kubesgx.keybroker.wrap;

import java.security.spec.MGF1ParameterSpec;
import java.util.Optional;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The {@code enc} values of a release request (Key Vault {@code KeyEncryptionAlgorithm}) and the
 * RSA-OAEP settings each one means; the OAEP hash and the MGF1 hash are always the same.
 */
public enum KeyExportEncryption {
  /** PKCS#11 CKM_RSA_AES_KEY_WRAP: RSA-OAEP with SHA-1 (the default when a request names no {@code enc}). */
  CKM_RSA_AES_KEY_WRAP("SHA-1", MGF1ParameterSpec.SHA1),
  /** RSA-OAEP with SHA-256 and MGF1-SHA-256. */
  RSA_AES_KEY_WRAP_256("SHA-256", MGF1ParameterSpec.SHA256),
  /** RSA-OAEP with SHA-384 and MGF1-SHA-384. */
  RSA_AES_KEY_WRAP_384("SHA-384", MGF1ParameterSpec.SHA384);

  private final String hash;
  private final MGF1ParameterSpec mgf1;

  KeyExportEncryption(String hash, MGF1ParameterSpec mgf1) {
    this.hash = hash;
    this.mgf1 = mgf1;
  }

  /**
   * Returns the OAEP parameters. Note: {@code RSA/ECB/OAEPWithSHA-256AndMGF1Padding} in SunJCE uses
   * MGF1-SHA-1, so the parameters are always given explicitly.
   */
  OAEPParameterSpec oaep() {
    return new OAEPParameterSpec(hash, "MGF1", mgf1, PSource.PSpecified.DEFAULT);
  }

  /** Returns the value for a wire name (exact, as Key Vault spells it), or empty. */
  public static Optional<KeyExportEncryption> fromWire(String name) {
    for (KeyExportEncryption e : values()) {
      if (e.name().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
