package io.kubesgx.ratls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A freshly issued RA-TLS key pair: the private key and the self-signed certificate that carries the
 * quotes binding its public key. The private key never leaves the process that issued it.
 *
 * @param privateKey the EC private key
 * @param certificate the RA-TLS certificate
 */
public record RaTlsCredential(PrivateKey privateKey, X509Certificate certificate) {
  /** Checks for nulls. */
  public RaTlsCredential {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(certificate, "certificate");
  }

  /** Does not print the private key. */
  @Override
  public String toString() {
    return "RaTlsCredential[" + certificate.getPublicKey().getAlgorithm() + " key, certificate serial "
        + certificate.getSerialNumber() + "]";
  }
}
