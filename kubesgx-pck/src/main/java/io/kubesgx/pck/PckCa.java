package io.kubesgx.pck;

import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * The Intel PCK intermediate CA that issued a PCK leaf; it decides the SGX extension shape and the
 * PCK CRL to consult (dcap-verification.md §3.1, §4.6).
 */
public enum PckCa {
  /** {@code Intel SGX PCK Processor CA}; its leaves carry the five common SGX extension fields. */
  PROCESSOR("processor", " PCK Processor CA"),
  /** {@code Intel SGX PCK Platform CA}; its leaves add platform instance ID and configuration. */
  PLATFORM("platform", " PCK Platform CA");

  private final String crlParameter;
  private final String cnSuffix;

  PckCa(String crlParameter, String cnSuffix) {
    this.crlParameter = crlParameter;
    this.cnSuffix = cnSuffix;
  }

  /** Returns the value of the PCS {@code ca} query parameter for this CA's CRL. */
  public String crlParameter() {
    return crlParameter;
  }

  /**
   * Recognises the CA from an issuer name by its single common name.
   *
   * <p>Accepted: exactly {@code Intel SGX PCK Processor CA} / {@code Intel SGX PCK Platform CA}, or
   * any non-empty prefix followed by {@code " PCK Processor CA"} / {@code " PCK Platform CA"} (so a
   * clearly labelled simulation CA such as {@code kubesgx SIMULATED PCK Processor CA} works). This
   * only classifies; trust comes from the signature chain to the pinned root. Names with no CN or
   * more than one CN yield empty.
   */
  public static Optional<PckCa> fromIssuer(X500Principal issuer) {
    if (issuer == null) {
      return Optional.empty();
    }
    Optional<String> cn = CertificateInfo.singleCommonName(issuer);
    if (cn.isEmpty()) {
      return Optional.empty();
    }
    String name = cn.get();
    for (PckCa ca : values()) {
      if (name.endsWith(ca.cnSuffix) && name.length() > ca.cnSuffix.length()) {
        return Optional.of(ca);
      }
    }
    return Optional.empty();
  }
}
