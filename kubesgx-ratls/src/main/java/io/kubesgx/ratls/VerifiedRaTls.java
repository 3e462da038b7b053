package io.kubesgx.ratls;

import io.kubesgx.common.Bytes;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.verifier.VerifiedQuote;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * An RA-TLS certificate whose evidence, key binding, quote, TCB status, enclave attributes and
 * measurements all passed {@link RaTlsVerifier}. Only the verifier constructs one.
 */
public final class VerifiedRaTls {
  private final VerifiedQuote quote;
  private final RaTlsExtension extension;
  private final PublicKey boundKey;
  private final Bytes certificateSha256;
  private final X509Certificate certificate;
  private final Instant validUntil;

  VerifiedRaTls(VerifiedQuote quote, RaTlsExtension extension, PublicKey boundKey, Bytes certificateSha256,
      X509Certificate certificate, Instant validUntil) {
    this.quote = quote;
    this.extension = extension;
    this.boundKey = boundKey;
    this.certificateSha256 = certificateSha256;
    this.certificate = certificate;
    this.validUntil = validUntil;
  }

  /** Returns the verified quote of the deciding extension. */
  public VerifiedQuote quote() {
    return quote;
  }

  /** Returns the enclave report of the verified quote (MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN, ...). */
  public EnclaveReportBody enclaveReport() {
    return (EnclaveReportBody) quote.quote().body();
  }

  /** Returns which extension decided. */
  public RaTlsExtension extension() {
    return extension;
  }

  /** Returns the certificate's public key, which the quote binds; the TLS peer proved it holds the private key. */
  public PublicKey boundKey() {
    return boundKey;
  }

  /** Returns the SHA-256 of the certificate's DER encoding (a copy). */
  public byte[] certificateSha256() {
    return certificateSha256.toByteArray();
  }

  /** Returns the verified certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Returns the earliest nextUpdate of the collateral the quote was verified with; the result must
   * not be relied on after it (the CRLs and TCB info may have changed). It is in the past only when
   * expired collateral was accepted by {@link RaTlsPolicy#allowOutdatedTcb()}.
   */
  public Instant validUntil() {
    return validUntil;
  }

  @Override
  public String toString() {
    EnclaveReportBody r = enclaveReport();
    return "VerifiedRaTls[" + extension + ", MRENCLAVE " + r.mrEnclave().hex() + ", MRSIGNER " + r.mrSigner().hex()
        + ", TCB " + quote.status().jsonName() + ", valid until " + validUntil + "]";
  }
}
