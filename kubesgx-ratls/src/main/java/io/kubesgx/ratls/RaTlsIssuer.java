package io.kubesgx.ratls;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TrailingDataPolicy;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues Gramine-compatible RA-TLS certificates: a fresh EC key and a self-signed certificate that
 * carries two quotes from a {@link QuoteProvider}, one per evidence extension, each binding the key.
 * Thread-safe; every {@link #issue()} makes a new key.
 *
 * <pre>{@code
 * RaTlsIssuer issuer = RaTlsIssuer.builder().quoteProvider(QuoteProviders.detect()).build();
 * RaTlsCredential c = issuer.issue();   // c.privateKey(), c.certificate()
 * }</pre>
 *
 * <p>The certificate layout is Gramine v1.9's ({@code ra_tls_attest.c}): subject = issuer = {@code
 * CN=RATLS, O=GramineDevelopers, C=US}, serial 1, ecdsa-with-SHA256, basicConstraints CA:FALSE,
 * subject and authority key identifiers, then the legacy quote extension and the DICE tagged-evidence
 * extension, both non-critical.
 */
public final class RaTlsIssuer {
  /** Gramine's default start of validity (2001-01-01T00:00:00Z). */
  public static final Instant DEFAULT_NOT_BEFORE = Instant.parse("2001-01-01T00:00:00Z");
  /** Gramine's default end of validity (2030-12-31T23:59:59Z). */
  public static final Instant DEFAULT_NOT_AFTER = Instant.parse("2030-12-31T23:59:59Z");

  /** Gramine's variable for the start of validity, {@code YYYYMMDDhhmmss} in UTC. */
  public static final String ENV_NOT_BEFORE = "RA_TLS_CERT_TIMESTAMP_NOT_BEFORE";
  /** Gramine's variable for the end of validity, {@code YYYYMMDDhhmmss} in UTC. */
  public static final String ENV_NOT_AFTER = "RA_TLS_CERT_TIMESTAMP_NOT_AFTER";

  private static final java.time.format.DateTimeFormatter GRAMINE_TIMESTAMP =
      java.time.format.DateTimeFormatter.ofPattern("uuuuMMddHHmmss")
          .withResolverStyle(java.time.format.ResolverStyle.STRICT)
          .withZone(java.time.ZoneOffset.UTC);

  private static final X500Name NAME = new X500Name("CN=RATLS,O=GramineDevelopers,C=US");
  private static final ASN1ObjectIdentifier DICE = new ASN1ObjectIdentifier(RaTlsOids.DICE_TAGGED_EVIDENCE);
  private static final ASN1ObjectIdentifier LEGACY = new ASN1ObjectIdentifier(RaTlsOids.LEGACY_QUOTE);
  private static final int SHA256_SIZE = 32;

  private final QuoteProvider quoteProvider;
  private final RaTlsKeyType keyType;
  private final Clock clock;
  private final Instant notBefore;
  private final Instant notAfter;

  private RaTlsIssuer(Builder b) {
    this.quoteProvider = b.quoteProvider;
    this.keyType = b.keyType;
    this.clock = b.clock;
    this.notBefore = b.notBefore;
    this.notAfter = b.notAfter;
  }

  /** Returns a builder; {@link Builder#quoteProvider} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Generates a fresh key, obtains two quotes binding it and returns the key with its certificate.
   *
   * @throws RaTlsException {@link Step#ISSUE} with {@link Reason#QUOTE_UNAVAILABLE} when the quote
   *     provider fails or returns an unusable quote (not exactly one SGX quote of 128..8192 bytes), {@link Reason#BAD_CONFIGURATION} when the clock is
   *     outside the configured validity, {@link Reason#ISSUE_FAILED} when the crypto provider fails
   */
  public RaTlsCredential issue() throws RaTlsException {
    Instant now = clock.instant();
    if (now.isBefore(notBefore) || now.isAfter(notAfter)) {
      throw new RaTlsException(Step.ISSUE, Reason.BAD_CONFIGURATION,
          "the certificate validity " + notBefore + " .. " + notAfter + " does not include the current time " + now
              + "; configure a validity that does");
    }
    KeyPair kp;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(keyType.curveName()));
      kp = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new RaTlsException(Step.ISSUE, Reason.ISSUE_FAILED, "cannot generate an EC " + keyType + " key: " + e.getMessage(), e);
    }
    byte[] spki = kp.getPublic().getEncoded();

    // spec (Gramine generate_quote_with_pk_hash): legacy REPORTDATA = SHA-256(DER SPKI) || 32 zero bytes.
    byte[] legacyQuote = quote(reportData(sha256(spki)), "legacy");
    // spec (Gramine generate_serialized_claims / _with_claims_hash): claims = {"pubkey-hash": bstr([1, bstr SHA-256(SPKI)])},
    // DICE REPORTDATA = SHA-256(claims) || 32 zero bytes; evidence = 60000([bstr quote, bstr claims]).
    byte[] claims = DiceCbor.encodeClaims(DiceCbor.SHA_256, sha256(spki));
    byte[] diceQuote = quote(reportData(sha256(claims)), "DICE");
    byte[] evidence = DiceCbor.encodeEvidence(diceQuote, claims);
    requireSize(legacyQuote.length, "legacy quote");
    requireSize(evidence.length, "DICE evidence (quote and claims)");

    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(NAME, BigInteger.ONE, Date.from(notBefore),
          Date.from(notAfter), NAME, kp.getPublic());
      cb.addExtension(Extension.basicConstraints, false, new BasicConstraints(false));
      cb.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      cb.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(kp.getPublic()));
      // The extnValue OCTET STRING holds the raw quote / CBOR bytes, as Gramine writes them.
      cb.addExtension(LEGACY, false, legacyQuote);
      cb.addExtension(DICE, false, evidence);
      X509CertificateHolder holder = cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
      return new RaTlsCredential(kp.getPrivate(), cert);
    } catch (IOException | NoSuchAlgorithmException | OperatorCreationException | CertificateException e) {
      throw new RaTlsException(Step.ISSUE, Reason.ISSUE_FAILED, "cannot build the RA-TLS certificate: " + e.getMessage(), e);
    }
  }

  private byte[] quote(byte[] reportData, String which) throws RaTlsException {
    try {
      byte[] q = quoteProvider.quote(reportData);
      if (q == null) {
        throw new RaTlsException(Step.ISSUE, Reason.QUOTE_UNAVAILABLE,
            "the quote provider " + quoteProvider.name() + " returned no " + which + " quote");
      }
      q = q.clone();
      checkQuote(q, which);
      return q;
    } catch (QuoteProviderException e) {
      throw new RaTlsException(Step.ISSUE, Reason.QUOTE_UNAVAILABLE,
          "cannot get the " + which + " quote from " + quoteProvider.name() + " (" + e.reason() + "): " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a quote that would not verify as RA-TLS evidence: not exactly one SGX enclave quote. (A
   * quote over other REPORTDATA than requested is not refused here: tests use such providers to
   * forge unbound certificates; verifiers refuse them with {@link Reason#KEY_NOT_BOUND}.)
   */
  private void checkQuote(byte[] q, String which) throws RaTlsException {
    requireSize(q.length, which + " quote");
    Quote parsed;
    try {
      parsed = QuoteParser.parse(q, TrailingDataPolicy.STRICT);
    } catch (MalformedInputException e) {
      throw new RaTlsException(Step.ISSUE, Reason.QUOTE_UNAVAILABLE,
          "the quote provider " + quoteProvider.name() + " returned a malformed " + which + " quote: " + e.getMessage(), e);
    }
    if (!(parsed.body() instanceof EnclaveReportBody)) {
      throw new RaTlsException(Step.ISSUE, Reason.QUOTE_UNAVAILABLE, "the quote provider " + quoteProvider.name()
          + " returned a " + parsed.teeType() + " quote; RA-TLS needs an SGX enclave quote");
    }
  }

  private static void requireSize(int n, String what) throws RaTlsException {
    if (n < RaTlsEvidence.MIN_EXTENSION_SIZE || n > RaTlsEvidence.MAX_EXTENSION_SIZE) {
      throw new RaTlsException(Step.ISSUE, Reason.QUOTE_UNAVAILABLE,
          "the " + what + " is " + n + " bytes; RA-TLS verifiers accept " + RaTlsEvidence.MIN_EXTENSION_SIZE + " to "
              + RaTlsEvidence.MAX_EXTENSION_SIZE + "; check the quote provider");
    }
  }

  private static byte[] reportData(byte[] hash) {
    byte[] rd = new byte[QuoteProvider.REPORT_DATA_SIZE];
    System.arraycopy(hash, 0, rd, 0, SHA256_SIZE);
    return rd;
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  /** Builds a {@link RaTlsIssuer}. */
  public static final class Builder {
    private QuoteProvider quoteProvider;
    private RaTlsKeyType keyType = RaTlsKeyType.P384;
    private Clock clock = Clock.systemUTC();
    private Instant notBefore = DEFAULT_NOT_BEFORE;
    private Instant notAfter = DEFAULT_NOT_AFTER;

    private Builder() {}

    /** Sets where quotes come from (required); the issuer does not close it. */
    public Builder quoteProvider(QuoteProvider provider) {
      this.quoteProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Sets the key curve (default {@link RaTlsKeyType#P384}, as Gramine). */
    public Builder keyType(RaTlsKeyType type) {
      this.keyType = Objects.requireNonNull(type, "type");
      return this;
    }

    /** Sets the clock used to check that the validity covers the present (default system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the certificate validity (default Gramine's 2001-01-01T00:00:00Z .. 2030-12-31T23:59:59Z;
     * Gramine's {@code RA_TLS_CERT_TIMESTAMP_NOT_BEFORE/_NOT_AFTER}); whole seconds are kept.
     *
     * @throws IllegalArgumentException when {@code notBefore} is not before {@code notAfter}
     */
    public Builder validity(Instant notBefore, Instant notAfter) {
      Instant nb = Objects.requireNonNull(notBefore, "notBefore").truncatedTo(ChronoUnit.SECONDS);
      Instant na = Objects.requireNonNull(notAfter, "notAfter").truncatedTo(ChronoUnit.SECONDS);
      if (!nb.isBefore(na)) {
        throw new IllegalArgumentException("notBefore must be before notAfter");
      }
      this.notBefore = nb;
      this.notAfter = na;
      return this;
    }

    /**
     * Reads the validity from Gramine's {@value #ENV_NOT_BEFORE} and {@value #ENV_NOT_AFTER}
     * ({@code YYYYMMDDhhmmss}, UTC); an unset variable keeps the current value.
     *
     * @throws RaTlsException {@link Step#INIT} / {@link Reason#BAD_CONFIGURATION} naming the variable
     */
    public Builder validityFromEnvironment(java.util.Map<String, String> env) throws RaTlsException {
      Objects.requireNonNull(env, "env");
      Instant nb = env.containsKey(ENV_NOT_BEFORE) ? timestamp(ENV_NOT_BEFORE, env.get(ENV_NOT_BEFORE)) : notBefore;
      Instant na = env.containsKey(ENV_NOT_AFTER) ? timestamp(ENV_NOT_AFTER, env.get(ENV_NOT_AFTER)) : notAfter;
      if (!nb.isBefore(na)) {
        throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
            ENV_NOT_BEFORE + " must be before " + ENV_NOT_AFTER + " (" + nb + " is not before " + na + ")");
      }
      this.notBefore = nb;
      this.notAfter = na;
      return this;
    }

    private static Instant timestamp(String name, String value) throws RaTlsException {
      try {
        if (value == null || value.length() != 14) {
          throw new java.time.format.DateTimeParseException("length", String.valueOf(value), 0);
        }
        return GRAMINE_TIMESTAMP.parse(value, Instant::from);
      } catch (java.time.format.DateTimeParseException e) {
        throw new RaTlsException(Step.INIT, Reason.BAD_CONFIGURATION,
            name + " must be a UTC time as YYYYMMDDhhmmss, e.g. 20010101000000");
      }
    }

    /**
     * Builds the issuer.
     *
     * @throws IllegalStateException when no quote provider was set
     */
    public RaTlsIssuer build() {
      if (quoteProvider == null) {
        throw new IllegalStateException("set a quote provider (quoteProvider(...))");
      }
      return new RaTlsIssuer(this);
    }
  }
}
