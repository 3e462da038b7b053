package io.kubesgx.attestation;

import java.util.Locale;
import java.util.Optional;

/** The attestation types this service serves, with their names in MAA paths. */
public enum AttestationType {
  /** {@code /attest/SgxEnclave}: a DCAP quote. */
  SGX_ENCLAVE("SgxEnclave"),
  /** {@code /attest/OpenEnclave}: an Open Enclave remote report (16-byte header + DCAP quote). */
  OPEN_ENCLAVE("OpenEnclave");

  private final String pathName;

  AttestationType(String pathName) {
    this.pathName = pathName;
  }

  /** Returns the name used in URL paths ({@code SgxEnclave}). */
  public String pathName() {
    return pathName;
  }

  /** Finds a type by its path name, case-insensitively as MAA does. */
  public static Optional<AttestationType> fromPathName(String name) {
    for (AttestationType t : values()) {
      if (t.pathName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
