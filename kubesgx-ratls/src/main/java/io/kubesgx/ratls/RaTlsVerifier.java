package io.kubesgx.ratls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.Bytes;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies RA-TLS certificates as Gramine's DCAP verifier decides, step by step ({@link
 * RaTlsException.Step}), with our DCAP verifier and a {@link RaTlsPolicy}. Thread-safe.
 *
 * <pre>{@code
 * RaTlsVerifier v = RaTlsVerifier.builder()
 *     .quoteVerifier(QuoteVerifier.newBuilder().build())          // Intel root pinned
 *     .collateral(CollateralSource.service(collateralService))
 *     .policy(RaTlsPolicy.fromEnvironment(System.getenv()))
 *     .cache(10_000, Duration.ofMinutes(10))
 *     .build();
 * VerifiedRaTls peer = v.verify(peerCertificate);
 * }</pre>
 *
 * <p>Steps: (1) {@link Step#EXTRACT_QUOTE}: the DICE extension decides when present, else the legacy
 * one; the quote's REPORTDATA[0..32) must equal SHA-256 of the DICE claims (and the pubkey-hash
 * claim the hash of the certificate's SubjectPublicKeyInfo), or for the legacy extension SHA-256 of
 * the SubjectPublicKeyInfo. (2) {@link Step#VERIFY_EXTERNAL}: the quote verifies with the
 * collateral at the clock's time (chains to a configured trust anchor, CRLs, TCB info, QE
 * identity), and its TCB status is accepted by the policy's knobs. (3) {@link
 * Step#VERIFY_ENCLAVE_ATTRS}: not a debug enclave (unless allowed), initialised, 64-bit, no
 * provisioning or launch key. (4) {@link Step#VERIFY_ENCLAVE_MEASUREMENTS}: MRSIGNER, MRENCLAVE,
 * ISVPRODID, minimum ISVSVN.
 *
 * <p>The certificate's own signature and validity dates are not checked (neither does Gramine): the
 * TLS handshake proves possession of the private key, and the quote proves where the key was made.
 *
 * <p>Cache: successful results only, bounded in count and estimated bytes ({@link
 * Builder#cacheMaxBytes}), keyed by SHA-256 of the certificate DER, returned while
 * the clock is before both the earliest nextUpdate of the collateral used ({@link
 * VerifiedRaTls#validUntil()}) and insertion plus the configured maximum age. Revocation is checked
 * by the quote verifier against the collateral's CRLs, so a cached result is re-verified with fresh
 * collateral (and fresh CRLs) at the latest when that collateral's nextUpdate passes.
 */
public final class RaTlsVerifier {
  private static final Duration MAX_CACHE_AGE = Duration.ofDays(1);
  /** Default bound on the cache's estimated memory. */
  public static final long DEFAULT_CACHE_MAX_BYTES = 64L << 20;
  /** Estimated memory of a cached result beyond its certificate bytes (parsed certificate, quote, key). */
  private static final int ENTRY_OVERHEAD = 2048;

  private final QuoteVerifier quoteVerifier;
  private final CollateralSource collateral;
  private final RaTlsPolicy policy;
  private final Clock clock;
  private final Optional<Cache<Bytes, CacheEntry>> cache;
  private final Duration maxAge;
  private final int minWeight;

  private record CacheEntry(VerifiedRaTls result, Instant expires, int weight) {}

  private RaTlsVerifier(Builder b) {
    this.quoteVerifier = b.quoteVerifier;
    this.collateral = b.collateral;
    this.policy = b.policy;
    this.clock = b.clock;
    this.maxAge = b.maxAge;
    // Both bounds with one weight: each entry weighs its estimated bytes but at least maxBytes / maxEntries,
    // so at most maxEntries entries and about maxBytes bytes are kept (a peer's certificate may be 64 KiB).
    this.minWeight = b.maxEntries > 0 ? (int) Math.min(Integer.MAX_VALUE, ceilDiv(b.maxBytes, b.maxEntries)) : 1;
    this.cache = b.maxEntries > 0
        ? Optional.of(Caffeine.newBuilder()
            .maximumWeight(b.maxBytes)
            .<Bytes, CacheEntry>weigher((k, e) -> e.weight())
            .executor(Runnable::run)
            .<Bytes, CacheEntry>build())
        : Optional.empty();
  }

  /** Returns a builder; quote verifier, collateral source and policy are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the policy this verifier applies. */
  public RaTlsPolicy policy() {
    return policy;
  }

  /**
   * Verifies {@code cert}.
   *
   * @throws RaTlsException naming the failed step and reason
   */
  public VerifiedRaTls verify(X509Certificate cert) throws RaTlsException {
    Objects.requireNonNull(cert, "cert");
    byte[] der;
    try {
      der = cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE, "the certificate cannot be encoded", e);
    }
    return verify(der, cert);
  }

  /**
   * Verifies a DER certificate.
   *
   * @throws RaTlsException naming the failed step and reason
   */
  public VerifiedRaTls verify(byte[] certificateDer) throws RaTlsException {
    Objects.requireNonNull(certificateDer, "certificateDer");
    return verify(certificateDer.clone(), null);
  }

  private VerifiedRaTls verify(byte[] der, X509Certificate given) throws RaTlsException {
    Bytes digest = Bytes.of(der).sha256();
    Instant now = clock.instant();
    if (cache.isPresent()) {
      CacheEntry e = cache.get().getIfPresent(digest);
      if (e != null) {
        if (now.isBefore(e.expires())) {
          return e.result();
        }
        cache.get().asMap().remove(digest, e);
      }
    }

    // Step AT_EXTRACT_QUOTE: evidence and key binding.
    RaTlsEvidence ev = RaTlsEvidence.parse(der);
    X509Certificate cert = given != null ? given : toCertificate(der);
    checkBinding(ev);

    // Step AT_VERIFY_EXTERNAL: the quote with its collateral, then the TCB status.
    Collateral c = collateral.collateralFor(ev.quote());
    VerifiedQuote vq = verifyQuote(ev, c, now);
    checkTcbStatus(vq.status());

    // Step AT_VERIFY_ENCLAVE_ATTRS.
    EnclaveReportBody body = ev.enclaveReport();
    checkAttributes(body);

    // Step AT_VERIFY_ENCLAVE_MEASUREMENTS.
    checkMeasurements(body);

    Instant validUntil = vq.earliestExpiry();
    VerifiedRaTls result = new VerifiedRaTls(vq, ev.extension(), ev.publicKey(), digest, cert, validUntil);
    if (cache.isPresent() && now.isBefore(validUntil)) {
      Instant aged = now.plus(maxAge);
      long estimate = 3L * der.length + ENTRY_OVERHEAD;
      int weight = (int) Math.min(Integer.MAX_VALUE, Math.max(estimate, minWeight));
      cache.get().put(digest, new CacheEntry(result, aged.isBefore(validUntil) ? aged : validUntil, weight));
    }
    return result;
  }

  private static void checkBinding(RaTlsEvidence ev) throws RaTlsException {
    Bytes reportData = ev.enclaveReport().reportData();
    byte[] rd32 = reportData.slice(0, 32).toByteArray();
    byte[] spki = ev.subjectPublicKeyInfo().toByteArray();
    if (ev.extension() == RaTlsExtension.DICE) {
      // spec (Gramine extract_standard_quote_and_verify_claims): REPORTDATA[0..32) = SHA-256(serialized claims) ...
      byte[] claims = ev.claims().orElseThrow().toByteArray();
      if (!MessageDigest.isEqual(rd32, RaTlsIssuer.sha256(claims))) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND,
            "the quote in the DICE evidence does not bind its claims (REPORTDATA differs from their SHA-256); the evidence was altered or assembled from parts");
      }
      // ... and the pubkey-hash claim = hash of the certificate's SubjectPublicKeyInfo.
      int alg = ev.hashAlgId().orElseThrow();
      byte[] h = digest(RaTlsEvidence.hashName(alg), spki);
      if (!MessageDigest.isEqual(h, ev.pubkeyHash().orElseThrow().toByteArray())) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND,
            "the DICE pubkey-hash claim does not match the certificate's public key; the certificate key was not made by the quoted enclave");
      }
    } else {
      // spec (Gramine cmp_crt_pk_against_quote_report_data): REPORTDATA[0..32) = SHA-256(SubjectPublicKeyInfo).
      if (!MessageDigest.isEqual(rd32, RaTlsIssuer.sha256(spki))) {
        throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND,
            "the legacy quote's REPORTDATA does not match the certificate's public key; the certificate key was not made by the quoted enclave");
      }
    }
  }

  private VerifiedQuote verifyQuote(RaTlsEvidence ev, Collateral c, Instant now) throws RaTlsException {
    byte[] quote = ev.quoteBytes().toByteArray();
    try {
      return quoteVerifier.verify(quote, c, now);
    } catch (AttestationException e) {
      if (policy.allowOutdatedTcb() && isCollateralExpiry(e.reason())) {
        // Gramine accepts expired collateral only with RA_TLS_ALLOW_OUTDATED_TCB_INSECURE: we then evaluate
        // the quote at the last instant the collateral was valid (every other check still applies).
        Optional<Instant> expiry = earliestNextUpdate(c);
        if (expiry.isPresent() && expiry.get().isBefore(now)) {
          try {
            return quoteVerifier.verify(quote, c, expiry.get().minusSeconds(1));
          } catch (AttestationException e2) {
            throw RaTlsException.quoteRejected(e2.reason(), e2.getMessage(), e2);
          }
        }
      }
      throw RaTlsException.quoteRejected(e.reason(), e.getMessage(), e);
    }
  }

  private static boolean isCollateralExpiry(io.kubesgx.verifier.Reason r) {
    return r == io.kubesgx.verifier.Reason.TCB_INFO_EXPIRED
        || r == io.kubesgx.verifier.Reason.QE_IDENTITY_EXPIRED
        || r == io.kubesgx.verifier.Reason.CRL_EXPIRED;
  }

  private static Optional<Instant> earliestNextUpdate(Collateral c) {
    List<Instant> all = new ArrayList<>();
    all.add(c.tcbInfo().tcbInfo().nextUpdate());
    all.add(c.qeIdentity().identity().nextUpdate());
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (Optional<Bytes> crl : List.of(c.rootCaCrl(), c.pckCrl())) {
        if (crl.isPresent()) {
          X509CRL x = (X509CRL) cf.generateCRL(new ByteArrayInputStream(crl.get().toByteArray()));
          if (x.getNextUpdate() == null) {
            return Optional.empty();
          }
          all.add(x.getNextUpdate().toInstant());
        }
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      return Optional.empty();
    }
    return all.stream().min(Instant::compareTo);
  }

  private void checkTcbStatus(TcbStatus s) throws RaTlsException {
    // spec (Gramine ra_tls_verify_dcap.c, verification_result mapping).
    boolean ok;
    String knobs;
    switch (s) {
      case UP_TO_DATE:
        return;
      case SW_HARDENING_NEEDED:
        ok = policy.allowSwHardeningNeeded();
        knobs = RaTlsPolicy.ENV_ALLOW_SW_HARDENING_NEEDED;
        break;
      case CONFIGURATION_NEEDED:
        ok = policy.allowHwConfigNeeded();
        knobs = RaTlsPolicy.ENV_ALLOW_HW_CONFIG_NEEDED;
        break;
      case CONFIGURATION_AND_SW_HARDENING_NEEDED:
        ok = policy.allowHwConfigNeeded() && policy.allowSwHardeningNeeded();
        knobs = RaTlsPolicy.ENV_ALLOW_HW_CONFIG_NEEDED + " and " + RaTlsPolicy.ENV_ALLOW_SW_HARDENING_NEEDED;
        break;
      case OUT_OF_DATE:
        ok = policy.allowOutdatedTcb();
        knobs = RaTlsPolicy.ENV_ALLOW_OUTDATED_TCB;
        break;
      case OUT_OF_DATE_CONFIGURATION_NEEDED:
        ok = policy.allowOutdatedTcb() && policy.allowHwConfigNeeded();
        knobs = RaTlsPolicy.ENV_ALLOW_OUTDATED_TCB + " and " + RaTlsPolicy.ENV_ALLOW_HW_CONFIG_NEEDED;
        break;
      default:
        // Revoked, and statuses that do not apply to SGX enclaves (TD relaunch), are never accepted.
        throw new RaTlsException(Step.VERIFY_EXTERNAL, Reason.TCB_STATUS_NOT_ALLOWED,
            "the platform's TCB status " + s.jsonName() + " is never accepted");
    }
    if (!ok) {
      throw new RaTlsException(Step.VERIFY_EXTERNAL, Reason.TCB_STATUS_NOT_ALLOWED,
          "the platform's TCB status " + s.jsonName() + " is not accepted; update the platform, or accept it with "
              + knobs + "=1 (policy knobs) if you understand the risk");
    }
  }

  private void checkAttributes(EnclaveReportBody body) throws RaTlsException {
    // spec (Gramine verify_quote_body_enclave_attributes).
    long flags = body.attributeFlags();
    if (!policy.allowDebugEnclave() && (flags & EnclaveReportBody.FLAG_DEBUG) != 0) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_ATTRS, Reason.DEBUG_ENCLAVE,
          "the peer is a debug enclave, whose memory the host can read; build it in production mode (or, for development only, allow debug enclaves with "
              + RaTlsPolicy.ENV_ALLOW_DEBUG_ENCLAVE + "=1)");
    }
    if ((flags & EnclaveReportBody.FLAG_INIT) == 0
        || (flags & EnclaveReportBody.FLAG_MODE64BIT) == 0
        || (flags & (EnclaveReportBody.FLAG_PROVISIONKEY | EnclaveReportBody.FLAG_EINITTOKENKEY)) != 0) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_ATTRS, Reason.BAD_ENCLAVE_ATTRIBUTES,
          "the enclave attributes are not those of an initialised 64-bit application enclave without provisioning or launch key access;"
              + " RA-TLS peers must be ordinary SGX application enclaves");
    }
  }

  private void checkMeasurements(EnclaveReportBody body) throws RaTlsException {
    // spec (Gramine verify_quote_body: MRSIGNER, MRENCLAVE, ISVPRODID equal, ISVSVN at least).
    String mrSigner = body.mrSigner().hex();
    if (policy.mrSigners().isPresent() && !policy.mrSigners().get().contains(mrSigner)) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_MEASUREMENTS, Reason.MRSIGNER_MISMATCH,
          "the peer's MRSIGNER " + mrSigner + " is not an accepted one; add it to the policy (" + RaTlsPolicy.ENV_MRSIGNER
              + ") if this signer is expected");
    }
    String mrEnclave = body.mrEnclave().hex();
    if (policy.mrEnclaves().isPresent() && !policy.mrEnclaves().get().contains(mrEnclave)) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_MEASUREMENTS, Reason.MRENCLAVE_MISMATCH,
          "the peer's MRENCLAVE " + mrEnclave + " is not an accepted one; add it to the policy (" + RaTlsPolicy.ENV_MRENCLAVE
              + ") if this enclave build is expected");
    }
    if (policy.isvProdId().isPresent() && body.isvProdId() != policy.isvProdId().getAsInt()) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_MEASUREMENTS, Reason.PRODUCT_ID_MISMATCH,
          "the peer's ISVPRODID " + body.isvProdId() + " differs from the required " + policy.isvProdId().getAsInt()
              + "; connect to the intended enclave, or change the policy (" + RaTlsPolicy.ENV_ISV_PROD_ID + ") if this product is expected");
    }
    if (policy.minIsvSvn().isPresent() && body.isvSvn() < policy.minIsvSvn().getAsInt()) {
      throw new RaTlsException(Step.VERIFY_ENCLAVE_MEASUREMENTS, Reason.SVN_TOO_LOW,
          "the peer's ISVSVN " + body.isvSvn() + " is below the required minimum " + policy.minIsvSvn().getAsInt()
              + "; update the enclave, or lower the policy's minimum (" + RaTlsPolicy.ENV_ISV_SVN + ") if this version is acceptable");
    }
  }

  private static X509Certificate toCertificate(byte[] der) throws RaTlsException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new RaTlsException(Step.EXTRACT_QUOTE, Reason.MALFORMED_CERTIFICATE, "the bytes are not an X.509 certificate; pass the peer's DER certificate", e);
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Returns the cache's memory bound in estimated bytes, 0 without a cache (for tests). */
  long cacheMaximumWeight() {
    return cache.flatMap(c -> c.policy().eviction()).map(e -> e.getMaximum()).orElse(0L);
  }

  /** Returns the number of cached results (for tests). */
  long cachedEntries() {
    return cache.map(c -> {
      c.cleanUp();
      return c.estimatedSize();
    }).orElse(0L);
  }

  private static byte[] digest(String alg, byte[] data) {
    try {
      return MessageDigest.getInstance(alg).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(alg + " is missing from the JDK", e);
    }
  }

  /** Builds a {@link RaTlsVerifier}. */
  public static final class Builder {
    private QuoteVerifier quoteVerifier;
    private CollateralSource collateral;
    private RaTlsPolicy policy;
    private Clock clock = Clock.systemUTC();
    private int maxEntries;
    private Duration maxAge = Duration.ZERO;
    private long maxBytes = DEFAULT_CACHE_MAX_BYTES;

    private Builder() {}

    /** Sets the DCAP quote verifier (required); its trust anchors decide which platforms are genuine. */
    public Builder quoteVerifier(QuoteVerifier verifier) {
      this.quoteVerifier = Objects.requireNonNull(verifier, "verifier");
      return this;
    }

    /** Sets where collateral comes from (required). */
    public Builder collateral(CollateralSource source) {
      this.collateral = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Sets the policy (required). */
    public Builder policy(RaTlsPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Sets the clock verification is evaluated at (default system UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Caches up to {@code maxEntries} successful results (and at most {@link #cacheMaxBytes} of
     * estimated memory), each for at most {@code maxAge} (at most one day) and never past its
     * collateral's earliest nextUpdate. Without this call nothing is cached.
     *
     * @throws IllegalArgumentException for a non-positive size or age, or an age above one day
     */
    public Builder cache(int maxEntries, Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxEntries <= 0) {
        throw new IllegalArgumentException("the cache size must be positive");
      }
      if (maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(MAX_CACHE_AGE) > 0) {
        throw new IllegalArgumentException("the cache age must be positive and at most " + MAX_CACHE_AGE);
      }
      this.maxEntries = maxEntries;
      this.maxAge = maxAge;
      return this;
    }

    /**
     * Bounds the cache's estimated memory (default {@value #DEFAULT_CACHE_MAX_BYTES} bytes): a
     * result weighs about three times its certificate's size plus 2 KiB, and certificates may be up
     * to {@link RaTlsEvidence#MAX_CERTIFICATE_SIZE} bytes, so the entry count alone does not bound
     * memory. Has no effect unless {@link #cache} is called.
     *
     * @throws IllegalArgumentException for a non-positive size
     */
    public Builder cacheMaxBytes(long maxBytes) {
      if (maxBytes <= 0) {
        throw new IllegalArgumentException("the cache byte bound must be positive");
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException when the quote verifier, collateral source or policy is missing
     */
    public RaTlsVerifier build() {
      if (quoteVerifier == null || collateral == null || policy == null) {
        throw new IllegalStateException("set quoteVerifier(...), collateral(...) and policy(...)");
      }
      return new RaTlsVerifier(this);
    }
  }
}
