package io.kubesgx.ratls;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TrailingDataPolicy;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The RA-TLS evidence of a certificate, parsed but not verified: which extension decides, its quote,
 * the DICE claims and the certificate's public key. Parsing checks structure only; the binding of
 * the key to the quote, the quote itself and the policy are checked by {@link RaTlsVerifier}.
 *
 * <p>Public for the CLI and for fuzzing; applications use {@link RaTlsVerifier}.
 */
public final class RaTlsEvidence {
  /** Smallest accepted extension value (Gramine: 128 bytes). */
  public static final int MIN_EXTENSION_SIZE = 128;
  /** Largest accepted extension value (Gramine: {@code SGX_QUOTE_MAX_SIZE}, 8192 bytes). */
  public static final int MAX_EXTENSION_SIZE = 8192;
  /** Largest accepted certificate (two maximal extensions fit with room to spare). */
  public static final int MAX_CERTIFICATE_SIZE = 64 * 1024;

  private static final ASN1ObjectIdentifier DICE = new ASN1ObjectIdentifier(RaTlsOids.DICE_TAGGED_EVIDENCE);
  private static final ASN1ObjectIdentifier LEGACY = new ASN1ObjectIdentifier(RaTlsOids.LEGACY_QUOTE);
  private static final ASN1ObjectIdentifier LEGACY_INTENDED = new ASN1ObjectIdentifier(RaTlsOids.LEGACY_QUOTE_INTENDED);

  /** Extensions that mbedTLS (hence Gramine) processes and we may therefore see marked critical. */
  private static final java.util.Set<ASN1ObjectIdentifier> CRITICAL_UNDERSTOOD = java.util.Set.of(
      Extension.basicConstraints, Extension.keyUsage, Extension.extendedKeyUsage, Extension.subjectAlternativeName,
      Extension.subjectKeyIdentifier, Extension.authorityKeyIdentifier);

  private final RaTlsExtension extension;
  private final Bytes quoteBytes;
  private final Quote quote;
  private final Optional<Bytes> claims;
  private final OptionalInt hashAlgId;
  private final Optional<Bytes> pubkeyHash;
  private final Bytes subjectPublicKeyInfo;
  private final RaTlsKeyType keyType;
  private final PublicKey publicKey;

  private RaTlsEvidence(RaTlsExtension extension, Bytes quoteBytes, Quote quote, Optional<Bytes> claims,
      OptionalInt hashAlgId, Optional<Bytes> pubkeyHash, Bytes subjectPublicKeyInfo, RaTlsKeyType keyType,
      PublicKey publicKey) {
    this.extension = extension;
    this.quoteBytes = quoteBytes;
    this.quote = quote;
    this.claims = claims;
    this.hashAlgId = hashAlgId;
    this.pubkeyHash = pubkeyHash;
    this.subjectPublicKeyInfo = subjectPublicKeyInfo;
    this.keyType = keyType;
    this.publicKey = publicKey;
  }

  /**
   * Parses the evidence of {@code cert}.
   *
   * @throws RaTlsException {@link Step#EXTRACT_QUOTE} with {@link Reason#MALFORMED_CERTIFICATE},
   *     {@link Reason#NO_EVIDENCE}, {@link Reason#MALFORMED_EVIDENCE} or {@link Reason#UNSUPPORTED_KEY}
   */
  public static RaTlsEvidence parse(X509Certificate cert) throws RaTlsException {
    Objects.requireNonNull(cert, "cert");
    try {
      return parse(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE, "the certificate cannot be encoded", e);
    }
  }

  /**
   * Parses the evidence of a DER certificate (at most {@link #MAX_CERTIFICATE_SIZE} bytes).
   *
   * @throws RaTlsException as {@link #parse(X509Certificate)}
   */
  public static RaTlsEvidence parse(byte[] certificateDer) throws RaTlsException {
    Objects.requireNonNull(certificateDer, "certificateDer");
    if (certificateDer.length > MAX_CERTIFICATE_SIZE) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE,
          "the certificate is " + certificateDer.length + " bytes, more than the " + MAX_CERTIFICATE_SIZE
              + " accepted; RA-TLS certificates carry two quotes of at most " + MAX_EXTENSION_SIZE + " bytes and little else");
    }
    Certificate cert;
    Extensions exts;
    try {
      cert = Certificate.getInstance(certificateDer);
      exts = cert.getTBSCertificate().getExtensions();
      if (!java.util.Arrays.equals(cert.getEncoded(ASN1Encoding.DER), certificateDer)) {
        throw new IllegalArgumentException("not DER");
      }
    } catch (IOException | RuntimeException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE,
          "the bytes are not a DER X.509 certificate; pass the peer's certificate in DER form (BER and trailing bytes are refused)", e);
    }
    if (exts == null) {
      throw noEvidence();
    }
    // spec (RFC 5280 4.2; mbedTLS x509_get_crt_ext, which Gramine's verifier parses the peer certificate with):
    // a certificate with a critical extension the verifier does not process is refused. mbedTLS refuses
    // critical extensions it does not know, including the two RA-TLS ones, so a peer that marks one critical
    // would pass here but fail in Gramine.
    for (ASN1ObjectIdentifier oid : exts.getCriticalExtensionOIDs()) {
      if (!CRITICAL_UNDERSTOOD.contains(oid)) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE,
            "the certificate marks extension " + oid.getId() + " critical, which RA-TLS verifiers do not process;"
                + " issue it non-critical (as Gramine does)");
      }
    }
    // spec (Gramine ra_tls_verify_common.c): the DICE tagged-evidence extension decides whenever present;
    // the legacy quote extension is looked at only when it is absent.
    Extension dice = exts.getExtension(DICE);
    if (dice != null) {
      byte[] value = extensionValue(dice, "DICE tagged evidence");
      DiceCbor.Evidence ev;
      DiceCbor.PubkeyHash ph;
      try {
        ev = DiceCbor.decodeEvidence(value);
        if (ev.claims().length == 0) {
          throw new DiceCbor.CborException("the claims are empty");
        }
        ph = DiceCbor.decodeClaims(ev.claims()).orElseThrow(
            () -> new DiceCbor.CborException("the claims have no pubkey-hash claim, so nothing binds the certificate key"));
      } catch (DiceCbor.CborException e) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
            "the DICE tagged-evidence extension is malformed: " + e.getMessage());
      }
      int expected = hashLength(ph.algId());
      if (ph.hash().length != expected) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
            "the pubkey-hash claim holds " + ph.hash().length + " bytes; hash algorithm " + ph.algId() + " needs " + expected);
      }
      Quote q = parseQuote(ev.quote(), "DICE tagged evidence");
      Key key = key(cert.getSubjectPublicKeyInfo());
      return new RaTlsEvidence(RaTlsExtension.DICE, Bytes.of(ev.quote()), q, Optional.of(Bytes.of(ev.claims())),
          OptionalInt.of(ph.algId()), Optional.of(Bytes.of(ph.hash())), key.spki, key.type, key.publicKey);
    }
    Extension legacy = exts.getExtension(LEGACY);
    Extension intended = exts.getExtension(LEGACY_INTENDED);
    if (legacy != null && intended != null) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
          "the certificate carries the legacy quote extension under both OIDs; issue it with one");
    }
    Extension l = legacy != null ? legacy : intended;
    if (l == null) {
      throw noEvidence();
    }
    byte[] value = extensionValue(l, "legacy SGX quote");
    Quote q = parseQuote(value, "legacy SGX quote");
    Key key = key(cert.getSubjectPublicKeyInfo());
    return new RaTlsEvidence(RaTlsExtension.LEGACY, Bytes.of(value), q, Optional.empty(), OptionalInt.empty(),
        Optional.empty(), key.spki, key.type, key.publicKey);
  }

  /** Returns the length in bytes of the hash with IANA id {@code algId}, refusing unsupported ones. */
  static int hashLength(int algId) throws RaTlsException {
    switch (algId) {
      case DiceCbor.SHA_256:
        return 32;
      case DiceCbor.SHA_384:
        return 48;
      case DiceCbor.SHA_512:
        return 64;
      default:
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
            "the pubkey-hash claim uses hash algorithm " + algId + "; only 1 (SHA-256), 7 (SHA-384) and 8 (SHA-512) are accepted");
    }
  }

  /** Returns the JCA name of the hash with IANA id {@code algId} (already checked by {@link #hashLength}). */
  static String hashName(int algId) {
    return algId == DiceCbor.SHA_384 ? "SHA-384" : algId == DiceCbor.SHA_512 ? "SHA-512" : "SHA-256";
  }

  private static RaTlsException noEvidence() {
    return new RaTlsException(Step.EXTRACT_QUOTE, Reason.NO_EVIDENCE,
        "the certificate carries no RA-TLS evidence (neither the DICE tagged-evidence extension "
            + RaTlsOids.DICE_TAGGED_EVIDENCE + " nor the legacy SGX quote extension); is the peer an RA-TLS enclave?");
  }

  private static byte[] extensionValue(Extension e, String what) throws RaTlsException {
    ASN1OctetString v = e.getExtnValue();
    int n = v.getOctets().length;
    if (n < MIN_EXTENSION_SIZE || n > MAX_EXTENSION_SIZE) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
          "the " + what + " extension holds " + n + " bytes; " + MIN_EXTENSION_SIZE + " to " + MAX_EXTENSION_SIZE + " are accepted");
    }
    return v.getOctets();
  }

  private static Quote parseQuote(byte[] bytes, String what) throws RaTlsException {
    Quote q;
    try {
      // The extension holds exactly one quote (Gramine writes quote_size bytes): no padding, nothing unsigned.
      q = QuoteParser.parse(bytes, TrailingDataPolicy.STRICT);
    } catch (MalformedInputException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
          "the quote in the " + what + " extension is malformed: " + e.getMessage(), e);
    }
    if (!(q.body() instanceof EnclaveReportBody)) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_EVIDENCE,
          "the quote in the " + what + " extension is not an SGX enclave quote (" + q.teeType() + ")");
    }
    return q;
  }

  private record Key(Bytes spki, RaTlsKeyType type, PublicKey publicKey) {}

  private static Key key(SubjectPublicKeyInfo spki) throws RaTlsException {
    // spec (Gramine fill_crt_pk_der): only EC keys on P-384 or P-256.
    RaTlsKeyType type;
    try {
      if (!X9ObjectIdentifiers.id_ecPublicKey.equals(spki.getAlgorithm().getAlgorithm())
          || !(spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier)) {
        throw unsupportedKey();
      }
      ASN1ObjectIdentifier curve = (ASN1ObjectIdentifier) spki.getAlgorithm().getParameters();
      if (SECObjectIdentifiers.secp384r1.equals(curve)) {
        type = RaTlsKeyType.P384;
      } else if (SECObjectIdentifiers.secp256r1.equals(curve)) {
        type = RaTlsKeyType.P256;
      } else {
        throw unsupportedKey();
      }
      X9ECParameters params = ECNamedCurveTable.getByOID(curve);
      ECPoint point = params.getCurve().decodePoint(spki.getPublicKeyData().getOctets());
      if (point.isInfinity() || !point.isValid()) {
        throw unsupportedKey();
      }
      byte[] der = spki.getEncoded(ASN1Encoding.DER);
      PublicKey pk = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
      return new Key(Bytes.of(der), type, pk);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.UNSUPPORTED_KEY,
          "the certificate's public key is not a valid EC P-384 or P-256 key", e);
    }
  }

  private static RuntimeException unsupportedKey() {
    return new IllegalArgumentException("unsupported key");
  }

  /** Returns which extension decides (DICE whenever present). */
  public RaTlsExtension extension() {
    return extension;
  }

  /** Returns the raw quote bytes of the deciding extension. */
  public Bytes quoteBytes() {
    return quoteBytes;
  }

  /** Returns the parsed (unverified) SGX quote of the deciding extension. */
  public Quote quote() {
    return quote;
  }

  /** Returns the enclave report body of the quote. */
  public EnclaveReportBody enclaveReport() {
    return (EnclaveReportBody) quote.body();
  }

  /** Returns the serialized CBOR claims map (DICE only). */
  public Optional<Bytes> claims() {
    return claims;
  }

  /** Returns the IANA hash algorithm id of the pubkey-hash claim (DICE only): 1, 7 or 8. */
  public OptionalInt hashAlgId() {
    return hashAlgId;
  }

  /** Returns the hash of the public key claimed in the DICE evidence (DICE only). */
  public Optional<Bytes> pubkeyHash() {
    return pubkeyHash;
  }

  /** Returns the certificate's DER SubjectPublicKeyInfo, the bytes the hashes bind. */
  public Bytes subjectPublicKeyInfo() {
    return subjectPublicKeyInfo;
  }

  /** Returns the curve of the certificate key. */
  public RaTlsKeyType keyType() {
    return keyType;
  }

  /** Returns the certificate's public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public String toString() {
    return "RaTlsEvidence[" + extension + ", " + keyType + ", quote v" + quote.header().version() + "]";
  }
}
