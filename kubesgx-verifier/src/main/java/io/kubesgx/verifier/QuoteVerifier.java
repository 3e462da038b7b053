package io.kubesgx.verifier;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.EnclaveIdentity;
import io.kubesgx.collateral.EnclaveTcbLevel;
import io.kubesgx.collateral.SignedEnclaveIdentity;
import io.kubesgx.collateral.SignedTcbInfo;
import io.kubesgx.collateral.TcbInfo;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.pck.CertificateChains;
import io.kubesgx.pck.Certificates;
import io.kubesgx.pck.Crls;
import io.kubesgx.pck.PckCa;
import io.kubesgx.pck.SgxExtensionParser;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteHeader;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TdReportBody;
import io.kubesgx.quote.TeeType;
import io.kubesgx.quote.TrailingDataPolicy;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Verifies Intel DCAP quotes (SGX and TDX) against collateral, pinned trust anchors and a
 * caller-supplied instant, with Intel QVL semantics.
 *
 * <p>The verifier never reads the wall clock. It is immutable and thread-safe; a shared {@link
 * VerificationCache} makes repeated verifications of the same collateral fast without caching
 * anything time-dependent.
 *
 * <pre>{@code
 * QuoteVerifier verifier = QuoteVerifier.newBuilder().build();   // Intel root, CRLs required
 * VerifiedQuote v = verifier.verify(quoteBytes, CollateralLoader.load(path), clock.instant());
 * if (v.status() != TcbStatus.UP_TO_DATE) { ... policy decides ... }
 * }</pre>
 */
public final class QuoteVerifier {
  private final TrustAnchors anchors;
  private final RevocationMode revocation;
  private final TrailingDataPolicy trailing;
  private final VerificationCache cache;
  private final OptionalLong minimumTcbEvaluationDataNumber;
  private final ChainVerifier chains;

  private QuoteVerifier(Builder b) {
    this.anchors = b.anchors;
    this.revocation = b.revocation;
    this.trailing = b.trailing;
    this.cache = b.cache;
    this.minimumTcbEvaluationDataNumber = b.minimumTcbEvaluationDataNumber;
    this.chains = new ChainVerifier(cache);
  }

  /** Returns a builder with safe defaults: Intel root only, CRLs required, zero padding accepted. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** Builder for {@link QuoteVerifier}. */
  public static final class Builder {
    private TrustAnchors anchors = TrustAnchors.intelOnly();
    private RevocationMode revocation = RevocationMode.REQUIRE_CRLS;
    private TrailingDataPolicy trailing = TrailingDataPolicy.ZERO_PADDING;
    private VerificationCache cache = VerificationCache.none();
    private OptionalLong minimumTcbEvaluationDataNumber = OptionalLong.empty();

    private Builder() {}

    /** Sets the trust anchors (default: the pinned Intel SGX Root CA key). */
    public Builder trustAnchors(TrustAnchors anchors) {
      this.anchors = Objects.requireNonNull(anchors);
      return this;
    }

    /** Sets the revocation mode (default {@link RevocationMode#REQUIRE_CRLS}). */
    public Builder revocationMode(RevocationMode mode) {
      this.revocation = Objects.requireNonNull(mode);
      return this;
    }

    /** Sets the trailing-data policy (default {@link TrailingDataPolicy#ZERO_PADDING}). */
    public Builder trailingDataPolicy(TrailingDataPolicy policy) {
      this.trailing = Objects.requireNonNull(policy);
      return this;
    }

    /** Sets the cache (default: none, every verification cold). */
    public Builder cache(VerificationCache cache) {
      this.cache = Objects.requireNonNull(cache);
      return this;
    }

    /** Rejects TCB info and QE identity whose tcbEvaluationDataNumber is below {@code min}. */
    public Builder minimumTcbEvaluationDataNumber(long min) {
      this.minimumTcbEvaluationDataNumber = OptionalLong.of(min);
      return this;
    }

    /** Builds the verifier. */
    public QuoteVerifier build() {
      return new QuoteVerifier(this);
    }
  }

  /** Mutable per-call state: the anchor all chains must share and the validity window. */
  private static final class Ctx {
    TrustAnchor anchor;
    Instant latestIssue = Instant.MIN;
    Instant earliestExpiry = Instant.MAX;

    void window(Instant from, Instant to) {
      if (from.isAfter(latestIssue)) {
        latestIssue = from;
      }
      if (to.isBefore(earliestExpiry)) {
        earliestExpiry = to;
      }
    }

    void certs(List<X509Certificate> certs) {
      for (X509Certificate c : certs) {
        window(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
      }
    }

    void anchor(TrustAnchor a, String what) throws AttestationException {
      if (anchor == null) {
        anchor = a;
      } else if (anchor != a) {
        throw new AttestationException(
            Reason.UNTRUSTED_ROOT, "the " + what + " chains to '" + a + "' but other collateral chains to '" + anchor + "'");
      }
    }
  }

  /**
   * Verifies a quote.
   *
   * @param quoteBytes the quote (binary)
   * @param collateral the collateral for the quote's platform
   * @param at the evaluation time (from an injected clock in services)
   * @return the verified quote with its TCB status
   * @throws AttestationException with the {@link Reason} of the first failed check
   */
  public VerifiedQuote verify(byte[] quoteBytes, Collateral collateral, Instant at) throws AttestationException {
    Objects.requireNonNull(at, "evaluation time");
    if (!cache.enabled()) {
      // A cold verification still should not verify the same signature twice within one call
      // (the TCB info and QE identity usually share their signing chain).
      return new QuoteVerifier(this, VerificationCache.bounded(64)).verifyWithCache(quoteBytes, collateral, at);
    }
    return verifyWithCache(quoteBytes, collateral, at);
  }

  private QuoteVerifier(QuoteVerifier base, VerificationCache perCall) {
    this.anchors = base.anchors;
    this.revocation = base.revocation;
    this.trailing = base.trailing;
    this.cache = perCall;
    this.minimumTcbEvaluationDataNumber = base.minimumTcbEvaluationDataNumber;
    this.chains = new ChainVerifier(perCall);
  }

  private VerifiedQuote verifyWithCache(byte[] quoteBytes, Collateral collateral, Instant at) throws AttestationException {
    Ctx ctx = new Ctx();
    // spec: step 0 — parse completely, then the semantic header checks.
    Quote quote = parseQuote(quoteBytes);
    TeeType tee = quote.teeType();
    CertificationData cd = quote.signatureData().certificationData();
    if (cd.type() < CertificationData.PPID_CLEARTEXT || cd.type() > CertificationData.PCK_CHAIN) {
      throw new AttestationException(
          Reason.UNSUPPORTED_CERTIFICATION_DATA,
          "certification data type " + cd.type() + " (" + cd.typeName() + ") cannot be used to verify a quote");
    }

    // spec: step 4 first, as Intel's QVL orders it — the PCK chain decides the trust anchor.
    List<X509Certificate> pckChain = pckChain(quote, collateral);
    ChainVerifier.Verified pck = chains.verify(pckChain, anchors, at, ChainVerifier.Kind.PCK);
    ctx.anchor(pck.anchor(), "PCK certificate chain");
    ctx.certs(pck.certs());
    X509Certificate leaf = pck.certs().get(0);
    X509Certificate intermediate = pck.certs().get(1);

    // spec: step 1 — root CA CRL signed by the same anchor, current; then revocation of the PCK chain.
    Optional<X509CRL> rootCrl = rootCrl(collateral.rootCaCrl(), at, ctx);
    boolean revocationChecked = rootCrl.isPresent();
    if (rootCrl.isPresent() && rootCrl.get().isRevoked(intermediate)) {
      throw new AttestationException(
          Reason.INTERMEDIATE_REVOKED, "'" + intermediate.getSubjectX500Principal().getName() + "' is revoked by the root CA CRL");
    }
    Optional<X509CRL> pckCrl = Optional.empty();
    if (collateral.pckCrl().isPresent()) {
      X509CRL crl = parseCrl(collateral.pckCrl().get(), "PCK CRL");
      chains.verifyCrl(crl, leaf.getIssuerX500Principal(), intermediate.getPublicKey(), at, "PCK CRL");
      ctx.window(crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant());
      pckCrl = Optional.of(crl);
      if (crl.isRevoked(leaf)) {
        throw new AttestationException(
            Reason.PCK_REVOKED, "PCK certificate serial " + leaf.getSerialNumber().toString(16) + " is listed in the PCK CRL");
      }
    } else if (revocation == RevocationMode.REQUIRE_CRLS) {
      throw new AttestationException(
          Reason.MISSING_COLLATERAL, "the PCK CRL (ca=" + PckCa.fromIssuer(leaf.getIssuerX500Principal()).map(PckCa::crlParameter).orElse("?")
              + ") is missing; CRLs are required");
    }
    revocationChecked &= pckCrl.isPresent();
    if (!collateral.pckCrlIssuerChain().isEmpty()) {
      ChainVerifier.Verified crlChain =
          chains.verify(orderedChain(collateral.pckCrlIssuerChain(), Reason.INVALID_CRL),
              anchors, at, ChainVerifier.Kind.PCK_CRL_ISSUER);
      ctx.anchor(crlChain.anchor(), "PCK CRL issuer chain");
      ctx.certs(crlChain.certs());
      if (rootCrl.isPresent() && rootCrl.get().isRevoked(crlChain.certs().get(0))) {
        throw new AttestationException(Reason.INTERMEDIATE_REVOKED, "the PCK CRL issuer is revoked by the root CA CRL");
      }
    }

    // spec: step 2 — TCB info chain, signature, window, id/version.
    TcbInfo tcbInfo = verifyTcbInfo(collateral.tcbInfo(), collateral.tcbInfoIssuerChain(), rootCrl, at, ctx);
    if (tee == TeeType.SGX) {
      if (tcbInfo.id().isPresent() && !tcbInfo.id().get().equals("SGX")) {
        throw new AttestationException(Reason.TCB_INFO_MISMATCH, "an SGX quote needs SGX TCB info, got id " + tcbInfo.id().get());
      }
    } else if (!tcbInfo.id().orElse("").equals("TDX") || tcbInfo.version() != 3) {
      throw new AttestationException(
          Reason.TCB_INFO_MISMATCH, "a TDX quote needs TDX TCB info v3, got id " + tcbInfo.id().orElse("(none, v2)") + " v" + tcbInfo.version());
    }

    // spec: step 3 — QE identity chain, signature, window, id/version.
    EnclaveIdentity qeId = verifyQeIdentity(collateral.qeIdentity(), collateral.qeIdentityIssuerChain(), rootCrl, at, ctx);
    String wantId = tee == TeeType.SGX ? "QE" : "TD_QE";
    if (!qeId.id().equals(wantId) || qeId.version() != 2) {
      throw new AttestationException(
          Reason.QE_IDENTITY_MISMATCH, "a " + tee + " quote needs a " + wantId + " identity v2, got " + qeId.id() + " v" + qeId.version());
    }

    SgxExtensions ext;
    try {
      Object known = cache.byIdentity(leaf, SgxExtensions.class);
      if (known instanceof SgxExtensions) {
        ext = (SgxExtensions) known;
      } else {
        ext = cache.parsed(ChainVerifier.cacheKey("sgx-ext", leaf.getEncoded(), new byte[0]), b -> SgxExtensionParser.parse(leaf));
        cache.rememberByIdentity(leaf, SgxExtensions.class, ext);
      }
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AttestationException(Reason.INVALID_PCK_CERT, "PCK certificate cannot be encoded", e);
    } catch (MalformedInputException e) {
      throw new AttestationException(Reason.INVALID_PCK_CERT, "PCK certificate SGX extension: " + e.getMessage(), e);
    }
    if (!ext.cpuSvnMatchesComponents()) {
      throw new AttestationException(Reason.INVALID_PCK_CERT, "PCK certificate CPUSVN does not equal its 16 TCB components");
    }
    PckCa pckCa = PckCa.fromIssuer(leaf.getIssuerX500Principal()).orElseThrow();

    // spec: step 5 — QE report signed by the PCK key.
    EnclaveReportBody qe = quote.signatureData().qeReport();
    if (!chains.rawSignatureOk("qe-report", leaf.getPublicKey(), qe.raw().toByteArray(), quote.signatureData().qeReportSignature())) {
      throw new AttestationException(Reason.INVALID_QE_REPORT_SIGNATURE, "the QE report signature does not verify with the PCK key");
    }

    // spec: step 6 — QE REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.
    Bytes expected = quote.signatureData().attestationKey().concat(quote.signatureData().qeAuthData()).sha256();
    if (!qe.reportData().slice(0, 32).equals(expected) || !qe.reportData().slice(32, 64).isAllZero()) {
      throw new AttestationException(
          Reason.INVALID_QE_REPORT_DATA, "the QE report data does not bind the attestation key and QE authentication data");
    }

    // spec: step 7 — QE identity match (Intel: only the report side is masked) and QE TCB level.
    checkQeIdentity(qe, qeId);
    EnclaveTcbLevel qeLevel = qeLevel(qeId, qe.isvSvn());

    // spec: step 8 — quote signature by the attestation key.
    PublicKey attKey;
    try {
      attKey = cache.parsed(quote.signatureData().attestationKey(), Ecdsa::publicKeyFromXy);
    } catch (MalformedInputException e) {
      throw new AttestationException(Reason.INVALID_QUOTE_SIGNATURE, "the attestation key is not a valid P-256 point", e);
    }
    if (!Ecdsa.verifyP1363(attKey, quote.signedRegion().toByteArray(), quote.signatureData().quoteSignature())) {
      throw new AttestationException(Reason.INVALID_QUOTE_SIGNATURE, "the quote signature does not verify with the attestation key");
    }

    // spec: step 9 — platform TCB level (and TDX module identity).
    if (!ext.fmspc().equals(tcbInfo.fmspc())) {
      throw new AttestationException(
          Reason.TCB_INFO_MISMATCH, "the PCK FMSPC is " + ext.fmspc().hex() + " but the TCB info is for FMSPC " + tcbInfo.fmspc().hex());
    }
    if (!ext.pceId().equals(tcbInfo.pceId())) {
      throw new AttestationException(
          Reason.TCB_INFO_MISMATCH, "the PCK PCE-ID is " + ext.pceId().hex() + " but the TCB info is for PCE-ID " + tcbInfo.pceId().hex());
    }
    Optional<Bytes> teeTcbSvn = Optional.empty();
    Optional<TcbEvaluator.ModuleMatch> module = Optional.empty();
    if (tee == TeeType.TDX) {
      TdReportBody td = (TdReportBody) quote.body();
      teeTcbSvn = Optional.of(td.teeTcbSvn());
      module = Optional.of(TcbEvaluator.matchModule(tcbInfo, td.teeTcbSvn(), td.mrSignerSeam(), td.seamAttributes()));
    }
    TcbEvaluator.PlatformMatch match = TcbEvaluator.matchPlatform(tcbInfo, ext.tcbComponents(), ext.pceSvn(), teeTcbSvn);

    // spec: step 10 — status merge (module, then QE), Revoked is a hard failure.
    Optional<TcbStatus> moduleStatus =
        module.flatMap(m -> m.level().isPresent() ? Optional.of(m.status()) : Optional.empty());
    // spec: §7.3 — TD 1.5: Intel's relaunch check between the module and the QE merge.
    Optional<Bytes> teeTcbSvn2 =
        tee == TeeType.TDX ? ((TdReportBody) quote.body()).teeTcbSvn2() : Optional.empty();
    TcbStatus status = teeTcbSvn2.isPresent()
        ? TcbEvaluator.mergeTd15(tcbInfo, match, moduleStatus, qeLevel.status(), teeTcbSvn2.get())
        : TcbEvaluator.merge(match.level().status(), moduleStatus, qeLevel.status());

    // spec: step 11 — advisory IDs: union of platform, module and QE, platform first.
    List<String> moduleAdvisories =
        module.flatMap(TcbEvaluator.ModuleMatch::level).map(EnclaveTcbLevel::advisoryIds).orElse(List.of());
    List<String> advisories = TcbEvaluator.union(match.level().advisoryIds(), moduleAdvisories, qeLevel.advisoryIds());

    // spec: step 13 — result.
    Map<String, Bytes> digests = new LinkedHashMap<>();
    digests.put("quote", Bytes.of(quoteBytes, 0, quote.quoteLength()).sha256());
    @SuppressWarnings("unchecked")
    Map<String, Bytes> colDigests = (Map<String, Bytes>) cache.byIdentity(collateral, Collateral.class);
    if (colDigests == null) {
      colDigests = collateral.sha256Digests();
      cache.rememberByIdentity(collateral, Collateral.class, colDigests);
    }
    digests.putAll(colDigests);
    return new VerifiedQuote(
        quote, status, match.level().status(), moduleStatus, qeLevel.status(), advisories,
        match.level().advisoryIds(), moduleAdvisories, qeLevel.advisoryIds(), ext, pckCa,
        match.level().tcbDate(), qeLevel.tcbDate(), tcbInfo.tcbEvaluationDataNumber(),
        qeId.tcbEvaluationDataNumber(), ctx.latestIssue, ctx.earliestExpiry, ctx.anchor,
        revocationChecked, digests, at);
  }

  private Quote parseQuote(byte[] quoteBytes) throws AttestationException {
    QuoteHeader header;
    try {
      header = QuoteHeader.parse(quoteBytes);
    } catch (MalformedInputException e) {
      throw new AttestationException(Reason.MALFORMED_QUOTE, e.getMessage(), e);
    }
    if (header.version() < 3 || header.version() > 5) {
      throw new AttestationException(Reason.UNSUPPORTED_QUOTE_FORMAT, "quote version " + header.version() + " is not supported (3, 4, 5 are)");
    }
    if (header.attestationKeyType() != 2) {
      throw new AttestationException(
          Reason.UNSUPPORTED_ATTESTATION_KEY_TYPE, "attestation key type " + header.attestationKeyType() + " is not ECDSA-256 with P-256 (2)");
    }
    if (!header.isIntelQeVendor()) {
      throw new AttestationException(Reason.UNSUPPORTED_QE_VENDOR, "QE vendor ID " + header.qeVendorId().hex() + " is not Intel's");
    }
    TeeType tee = header.teeType();
    if (tee == null) {
      throw new AttestationException(Reason.UNSUPPORTED_QUOTE_FORMAT, "TEE type 0x" + Long.toHexString(header.teeTypeRaw()) + " is neither SGX nor TDX");
    }
    if (header.version() == 3 && tee != TeeType.SGX) {
      throw new AttestationException(Reason.UNSUPPORTED_QUOTE_FORMAT, "a v3 quote must have TEE type 0 (SGX)");
    }
    Quote quote;
    try {
      quote = QuoteParser.parse(quoteBytes, trailing);
    } catch (MalformedInputException e) {
      throw new AttestationException(Reason.MALFORMED_QUOTE, e.getMessage(), e);
    }
    if (quote.v5BodyType().isPresent() && (quote.v5BodyType().getAsInt() == 1) != (tee == TeeType.SGX)) {
      throw new AttestationException(
          Reason.UNSUPPORTED_QUOTE_FORMAT, "v5 body type " + quote.v5BodyType().getAsInt() + " does not match TEE type " + tee);
    }
    return quote;
  }

  private Optional<X509CRL> rootCrl(Optional<Bytes> der, Instant at, Ctx ctx) throws AttestationException {
    if (der.isEmpty()) {
      if (revocation == RevocationMode.REQUIRE_CRLS) {
        throw new AttestationException(Reason.MISSING_COLLATERAL, "the root CA CRL is missing; CRLs are required");
      }
      return Optional.empty();
    }
    X509CRL crl = parseCrl(der.get(), "root CA CRL");
    AttestationException last = null;
    for (TrustAnchor a : ctx.anchor != null ? List.of(ctx.anchor) : anchors.all()) {
      try {
        chains.verifyCrl(crl, a.subject(), a.key(), at, "root CA CRL");
        ctx.anchor(a, "root CA CRL");
        ctx.window(crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant());
        return Optional.of(crl);
      } catch (AttestationException e) {
        if (last == null || e.reason() != Reason.INVALID_CRL) {
          last = e;
        }
      }
    }
    throw last;
  }

  private X509CRL parseCrl(Bytes der, String what) throws AttestationException {
    try {
      return cache.crl(der, b -> Crls.parse(b.toByteArray()));
    } catch (MalformedInputException e) {
      throw new AttestationException(Reason.INVALID_CRL, "the " + what + " cannot be parsed: " + e.getMessage(), e);
    }
  }

  /** Parses and orders a collateral chain; cached by the identity of the (immutable) list. */
  private List<X509Certificate> orderedChain(List<Bytes> ders, Reason reason) throws AttestationException {
    Object known = cache.byIdentity(ders, ORDERED);
    if (known instanceof List) {
      @SuppressWarnings("unchecked")
      List<X509Certificate> l = (List<X509Certificate>) known;
      return l;
    }
    List<X509Certificate> l = List.copyOf(order(parseCerts(ders, reason), reason));
    cache.rememberByIdentity(ders, ORDERED, l);
    return l;
  }

  private static final Object ORDERED = new Object();

  private List<X509Certificate> parseCerts(List<Bytes> ders, Reason reason) throws AttestationException {
    List<X509Certificate> out = new ArrayList<>();
    for (Bytes der : ders) {
      try {
        out.add(cache.certificate(der, Certificates::parse));
      } catch (MalformedInputException e) {
        throw new AttestationException(reason, "certificate cannot be parsed: " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static List<X509Certificate> order(List<X509Certificate> certs, Reason reason) throws AttestationException {
    try {
      return CertificateChains.orderLeafFirst(certs);
    } catch (MalformedInputException e) {
      throw new AttestationException(reason, "certificate chain: " + e.getMessage(), e);
    }
  }

  /**
   * Verifies a signed TCB info on its own: issuer chain to a trust anchor, revocation of the signer
   * by the root CA CRL (when given), signature over the exact JSON bytes, validity window and the
   * configured minimum evaluation data number.
   */
  public TcbInfo verifyTcbInfo(SignedTcbInfo signed, List<Bytes> issuerChain, Optional<Bytes> rootCaCrl, Instant at)
      throws AttestationException {
    Ctx ctx = new Ctx();
    Optional<X509CRL> crl = rootCaCrl.isPresent() ? rootCrl(rootCaCrl, at, ctx) : Optional.empty();
    if (crl.isEmpty() && revocation == RevocationMode.REQUIRE_CRLS) {
      throw new AttestationException(Reason.MISSING_COLLATERAL, "the root CA CRL is missing; CRLs are required");
    }
    return verifyTcbInfo(signed, issuerChain, crl, at, ctx);
  }

  private TcbInfo verifyTcbInfo(SignedTcbInfo signed, List<Bytes> issuerChain, Optional<X509CRL> rootCrl, Instant at, Ctx ctx)
      throws AttestationException {
    X509Certificate signer = signingChain(issuerChain, rootCrl, at, ctx, "TCB info");
    if (cache.byIdentity(signed, signer) != Boolean.TRUE
        && !chains.rawSignatureOk("tcb-info", signer.getPublicKey(), signed.signedBytes().toByteArray(), signed.signature())) {
      throw new AttestationException(Reason.TCB_INFO_SIGNATURE_INVALID, "the TCB info signature does not verify with the TCB signing key");
    }
    cache.rememberByIdentity(signed, signer, Boolean.TRUE);
    TcbInfo info = signed.tcbInfo();
    if (info.version() != 2 && info.version() != 3) {
      throw new AttestationException(Reason.INVALID_TCB_INFO, "TCB info version " + info.version() + " is not supported");
    }
    if (at.isBefore(info.issueDate())) {
      throw new AttestationException(Reason.TCB_INFO_NOT_YET_VALID, "the TCB info is issued at " + info.issueDate() + ", after the evaluation time " + at);
    }
    if (at.isAfter(info.nextUpdate())) {
      throw new AttestationException(
          Reason.TCB_INFO_EXPIRED, "the TCB info for FMSPC " + info.fmspc().hex() + " expired at " + info.nextUpdate()
              + " (evaluation time " + at + "); fetch a fresh one from the PCS/PCCS");
    }
    ctx.window(info.issueDate(), info.nextUpdate());
    if (minimumTcbEvaluationDataNumber.isPresent() && info.tcbEvaluationDataNumber() < minimumTcbEvaluationDataNumber.getAsLong()) {
      throw new AttestationException(
          Reason.TCB_EVALUATION_DATA_NUMBER_TOO_LOW, "the TCB info's evaluation data number " + info.tcbEvaluationDataNumber()
              + " is below the required " + minimumTcbEvaluationDataNumber.getAsLong());
    }
    return info;
  }

  private EnclaveIdentity verifyQeIdentity(
      SignedEnclaveIdentity signed, List<Bytes> issuerChain, Optional<X509CRL> rootCrl, Instant at, Ctx ctx)
      throws AttestationException {
    X509Certificate signer = signingChain(issuerChain, rootCrl, at, ctx, "QE identity");
    if (cache.byIdentity(signed, signer) != Boolean.TRUE
        && !chains.rawSignatureOk("qe-identity", signer.getPublicKey(), signed.signedBytes().toByteArray(), signed.signature())) {
      throw new AttestationException(Reason.QE_IDENTITY_SIGNATURE_INVALID, "the QE identity signature does not verify with the TCB signing key");
    }
    cache.rememberByIdentity(signed, signer, Boolean.TRUE);
    EnclaveIdentity id = signed.identity();
    if (at.isBefore(id.issueDate())) {
      throw new AttestationException(Reason.QE_IDENTITY_NOT_YET_VALID, "the QE identity is issued at " + id.issueDate() + ", after the evaluation time " + at);
    }
    if (at.isAfter(id.nextUpdate())) {
      throw new AttestationException(
          Reason.QE_IDENTITY_EXPIRED, "the QE identity expired at " + id.nextUpdate() + " (evaluation time " + at + "); fetch a fresh one");
    }
    ctx.window(id.issueDate(), id.nextUpdate());
    if (minimumTcbEvaluationDataNumber.isPresent() && id.tcbEvaluationDataNumber() < minimumTcbEvaluationDataNumber.getAsLong()) {
      throw new AttestationException(
          Reason.TCB_EVALUATION_DATA_NUMBER_TOO_LOW, "the QE identity's evaluation data number " + id.tcbEvaluationDataNumber()
              + " is below the required " + minimumTcbEvaluationDataNumber.getAsLong());
    }
    return id;
  }

  private X509Certificate signingChain(List<Bytes> issuerChain, Optional<X509CRL> rootCrl, Instant at, Ctx ctx, String what)
      throws AttestationException {
    if (issuerChain.isEmpty()) {
      throw new AttestationException(Reason.MISSING_COLLATERAL, "the " + what + " issuer chain is missing");
    }
    ChainVerifier.Verified v =
        chains.verify(orderedChain(issuerChain, Reason.INVALID_SIGNING_CHAIN),
            anchors, at, ChainVerifier.Kind.SIGNING);
    ctx.anchor(v.anchor(), what + " issuer chain");
    ctx.certs(v.certs());
    X509Certificate signer = v.certs().get(0);
    if (rootCrl.isPresent() && rootCrl.get().isRevoked(signer)) {
      throw new AttestationException(Reason.SIGNING_CERT_REVOKED, "the " + what + " signing certificate is revoked by the root CA CRL");
    }
    return signer;
  }

  private List<X509Certificate> pckChain(Quote quote, Collateral collateral) throws AttestationException {
    CertificationData cd = quote.signatureData().certificationData();
    if (!collateral.pckCertificateChain().isEmpty()) {
      return orderedChain(collateral.pckCertificateChain(), Reason.INVALID_PCK_CERT);
    }
    switch (cd.type()) {
      case CertificationData.PCK_CHAIN:
        return cache.parsed(cd.data(), b -> {
          try {
            return List.copyOf(CertificateChains.orderLeafFirst(Certificates.parseAll(b.toByteArray())));
          } catch (MalformedInputException e) {
            throw new AttestationException(Reason.INVALID_PCK_CERT, "the quote's PCK certificate chain: " + e.getMessage(), e);
          }
        });
      case CertificationData.PCK_LEAF:
        if (collateral.pckCrlIssuerChain().isEmpty()) {
          throw new AttestationException(
              Reason.MISSING_PCK_CHAIN, "the quote carries only the PCK leaf (type 4); supply the PCK CRL issuer chain or pck_certificate_chain");
        }
        List<X509Certificate> l = new ArrayList<>();
        try {
          l.addAll(Certificates.parseAll(cd.data().toByteArray()));
        } catch (MalformedInputException e) {
          throw new AttestationException(Reason.INVALID_PCK_CERT, "the quote's PCK certificate: " + e.getMessage(), e);
        }
        l.addAll(parseCerts(collateral.pckCrlIssuerChain(), Reason.INVALID_PCK_CERT));
        return order(l, Reason.INVALID_PCK_CERT);
      default:
        throw new AttestationException(
            Reason.MISSING_PCK_CHAIN,
            "the quote identifies the platform by " + cd.typeName() + " (certification data type " + cd.type()
                + ") and carries no PCK certificate chain; fetch the PCK certificate from the PCS/PCCS by PPID, CPUSVN, PCESVN and PCE-ID"
                + " and supply it as pck_certificate_chain in the collateral");
    }
  }

  private static void checkQeIdentity(EnclaveReportBody qe, EnclaveIdentity id) throws AttestationException {
    if (!and(qe.miscSelectBytes(), id.miscselectMask()).equals(id.miscselect())) {
      throw new AttestationException(Reason.QE_IDENTITY_MISMATCH, "QE MISCSELECT " + qe.miscSelectBytes().hex() + " does not match the QE identity");
    }
    if (!and(qe.attributes(), id.attributesMask()).equals(id.attributes())) {
      throw new AttestationException(Reason.QE_IDENTITY_MISMATCH, "QE ATTRIBUTES " + qe.attributes().hex() + " do not match the QE identity");
    }
    if (!qe.mrSigner().equals(id.mrSigner())) {
      throw new AttestationException(Reason.QE_IDENTITY_MISMATCH, "QE MRSIGNER " + qe.mrSigner().hex() + " does not match the QE identity's MRSIGNER " + id.mrSigner().hex());
    }
    if (qe.isvProdId() != id.isvProdId()) {
      throw new AttestationException(Reason.QE_IDENTITY_MISMATCH, "QE ISVPRODID " + qe.isvProdId() + " is not " + id.isvProdId());
    }
  }

  private static EnclaveTcbLevel qeLevel(EnclaveIdentity id, int isvSvn) throws AttestationException {
    List<EnclaveTcbLevel> levels = new ArrayList<>(id.tcbLevels());
    levels.sort(Comparator.comparingInt(EnclaveTcbLevel::isvSvn).reversed());
    for (EnclaveTcbLevel l : levels) {
      if (l.isvSvn() <= isvSvn) {
        return l;
      }
    }
    throw new AttestationException(Reason.QE_TCB_NOT_SUPPORTED, "QE ISVSVN " + isvSvn + " is below every level of the QE identity");
  }

  private static Bytes and(Bytes a, Bytes mask) throws AttestationException {
    if (a.length() != mask.length()) {
      throw new AttestationException(Reason.INVALID_QE_IDENTITY, "QE identity mask has the wrong length");
    }
    byte[] out = new byte[a.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (a.get(i) & mask.get(i));
    }
    return Bytes.of(out);
  }


}
