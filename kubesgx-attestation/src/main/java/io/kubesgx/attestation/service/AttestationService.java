package io.kubesgx.attestation.service;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.attestation.AttestationType;
import io.kubesgx.attestation.claims.ClaimNames;
import io.kubesgx.attestation.claims.Evidence;
import io.kubesgx.attestation.policy.DefaultPolicies;
import io.kubesgx.attestation.policy.PolicyAuthorizer;
import io.kubesgx.attestation.policy.PolicyDocument;
import io.kubesgx.attestation.policy.PolicyChange;
import io.kubesgx.attestation.policy.PolicyStore;
import io.kubesgx.attestation.policy.PolicyStoreException;
import io.kubesgx.attestation.policy.StoredPolicy;
import io.kubesgx.attestation.request.AttestRequest;
import io.kubesgx.attestation.request.AttestRequestParser;
import io.kubesgx.attestation.token.TokenIssuer;
import io.kubesgx.collateral.TcbLevel;
import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.policy.Claim;
import io.kubesgx.policy.ClaimValue;
import io.kubesgx.policy.ConfigurationResult;
import io.kubesgx.policy.Evaluation;
import io.kubesgx.policy.Policy;
import io.kubesgx.policy.PolicyParseException;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The attestation service: verifies evidence, evaluates the policy and issues tokens; manages
 * policies. Thread-safe; one instance serves all requests of a replica.
 */
public final class AttestationService {
  /** TCB statuses acceptable without a grace period. */
  public static final Set<TcbStatus> ACCEPTABLE =
      EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED, TcbStatus.CONFIGURATION_NEEDED,
          TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED);
  /** Longest token lifetime a policy may ask for (MAA: one year). */
  public static final Duration MAX_LIFETIME = Duration.ofDays(365);
  /** Token lifetime when collateral is stale. */
  public static final Duration STALE_LIFETIME = Duration.ofHours(1);
  private static final long POLICY_RECHECK_MILLIS = 1000;
  /**
   * Verifier reasons that blame the collateral rather than the quote: its format, signatures,
   * signing chain, CRLs, validity periods or its match to the quote's platform. One of these makes
   * the service fetch the collateral again once (rate-limited) before answering.
   */
  static final Set<Reason> COLLATERAL_SIDE = EnumSet.of(
      Reason.MALFORMED_COLLATERAL, Reason.MISSING_COLLATERAL,
      Reason.INVALID_CRL, Reason.CRL_EXPIRED, Reason.CRL_NOT_YET_VALID,
      Reason.INVALID_SIGNING_CHAIN, Reason.SIGNING_CERT_EXPIRED, Reason.SIGNING_CERT_NOT_YET_VALID, Reason.SIGNING_CERT_REVOKED,
      Reason.INVALID_TCB_INFO, Reason.TCB_INFO_SIGNATURE_INVALID, Reason.TCB_INFO_EXPIRED, Reason.TCB_INFO_NOT_YET_VALID,
      Reason.TCB_INFO_MISMATCH,
      Reason.INVALID_QE_IDENTITY, Reason.QE_IDENTITY_SIGNATURE_INVALID, Reason.QE_IDENTITY_EXPIRED,
      Reason.QE_IDENTITY_NOT_YET_VALID);

  private final QuoteVerifier verifier;
  private final CollateralSource collateral;
  private final PolicyStore store;
  private final PolicyAuthorizer authorizer;
  private final TokenIssuer issuer;
  private final String issuerUrl;
  private final Clock clock;
  private final Duration tokenLifetime;
  private final SecureRandom random = new SecureRandom();
  private final Map<AttestationType, CachedPolicy> policies = new EnumMap<>(AttestationType.class);
  private final Policy defaultPolicy;

  private static final class CachedPolicy {
    final long version;
    final long checkedAt;
    final Policy policy;
    final String hash;
    final Optional<String> signerJwk;
    final String jws;

    CachedPolicy(long version, long checkedAt, Policy policy, String jws, Optional<String> signerJwk) {
      this.version = version;
      this.checkedAt = checkedAt;
      this.policy = policy;
      this.hash = PolicyDocument.policyHash(policy.text());
      this.signerJwk = signerJwk;
      this.jws = jws;
    }

    CachedPolicy checked(long at) {
      return new CachedPolicy(version, at, policy, jws, signerJwk);
    }
  }

  private AttestationService(Builder b) throws PolicyParseException {
    this.verifier = Objects.requireNonNull(b.verifier, "verifier");
    this.collateral = Objects.requireNonNull(b.collateral, "collateral");
    this.store = Objects.requireNonNull(b.store, "store");
    this.authorizer = Objects.requireNonNull(b.authorizer, "authorizer");
    this.issuer = Objects.requireNonNull(b.issuer, "issuer");
    this.issuerUrl = Objects.requireNonNull(b.issuerUrl, "issuerUrl");
    this.clock = b.clock;
    this.tokenLifetime = b.tokenLifetime;
    this.defaultPolicy = Policy.parse(DefaultPolicies.SGX);
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link AttestationService}. */
  public static final class Builder {
    private QuoteVerifier verifier;
    private CollateralSource collateral;
    private PolicyStore store;
    private PolicyAuthorizer authorizer = new PolicyAuthorizer(List.of(), Optional.empty());
    private TokenIssuer issuer;
    private String issuerUrl;
    private Clock clock = Clock.systemUTC();
    private Duration tokenLifetime = Duration.ofHours(8);

    private Builder() {}

    /** Sets the quote verifier (with its trust anchors). */
    public Builder verifier(QuoteVerifier v) {
      this.verifier = v;
      return this;
    }

    /** Sets where collateral comes from. */
    public Builder collateral(CollateralSource c) {
      this.collateral = c;
      return this;
    }

    /** Sets the policy store. */
    public Builder policyStore(PolicyStore s) {
      this.store = s;
      return this;
    }

    /** Sets who may change policies (default: nobody). */
    public Builder policyAuthorizer(PolicyAuthorizer a) {
      this.authorizer = a;
      return this;
    }

    /** Sets the token issuer (signing keys). */
    public Builder tokenIssuer(TokenIssuer t) {
      this.issuer = t;
      return this;
    }

    /** Sets the public URL put into {@code iss} and the discovery document. */
    public Builder issuerUrl(String url) {
      this.issuerUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      return this;
    }

    /** Sets the clock. */
    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /** Sets the default token lifetime (policies may change it with {@code report_validity_in_minutes}). */
    public Builder tokenLifetime(Duration d) {
      if (d.isNegative() || d.isZero() || d.compareTo(MAX_LIFETIME) > 0) {
        throw new IllegalArgumentException("token lifetime must be between 1 s and 365 days");
      }
      this.tokenLifetime = d;
      return this;
    }

    /** Builds the service. */
    public AttestationService build() {
      try {
        return new AttestationService(this);
      } catch (PolicyParseException e) {
        throw new IllegalStateException("the built-in default policy does not parse: " + e.getMessage(), e);
      }
    }
  }

  /** The outcome of one attestation, for the HTTP layer and its metrics. */
  public record Attested(String token, boolean signed, VerifiedQuote verified) {}

  /**
   * Attests evidence.
   *
   * @param type the endpoint
   * @param body the JSON request body
   * @return the token (signed, or unsigned for a draft policy)
   * @throws ApiError when the request is malformed, the evidence does not verify or the policy denies it
   */
  public Attested attest(AttestationType type, byte[] body) throws ApiError {
    AttestRequest request = AttestRequestParser.parse(type, body);
    byte[] quoteBytes = request.quote().toByteArray();
    Quote quote;
    try {
      quote = QuoteParser.parse(quoteBytes);
    } catch (MalformedInputException e) {
      throw new ApiError(400, "InvalidQuote", "MALFORMED_QUOTE", "the quote is not a DCAP quote: " + e.getMessage(), e);
    }
    final CollateralFetch first = collateral.fetch(quote);
    CollateralFetch fetch = first;
    Instant now = clock.instant();
    VerifiedQuote verified;
    try {
      verified = verifier.verify(quoteBytes, fetch.collateral(), evaluationTime(fetch, now));
    } catch (AttestationException e) {
      // Cached collateral that fails for a collateral-side reason may be poisoned or foreign:
      // fetch it again once (rate-limited by the collateral source) and verify with the new set.
      Optional<CollateralFetch> again = COLLATERAL_SIDE.contains(e.reason())
          ? collateral.refetchAfterFailure(quote, first).filter(f -> !f.collateral().equals(first.collateral()))
          : Optional.empty();
      if (again.isEmpty()) {
        throw verificationFailed(e);
      }
      fetch = again.get();
      try {
        verified = verifier.verify(quoteBytes, fetch.collateral(), evaluationTime(fetch, now));
      } catch (AttestationException e2) {
        throw verificationFailed(e2);
      }
    }
    Evidence evidence = Evidence.of(verified, request, fetch.stale(), fetch.warning());

    boolean draft = request.draftPolicy().isPresent();
    Policy policy;
    String policyHash;
    Optional<String> signerJwk = Optional.empty();
    if (draft) {
      policy = parsePolicy(request.draftPolicy().get());
      policyHash = PolicyDocument.policyHash(policy.text());
    } else {
      CachedPolicy cp = policy(type);
      policy = cp.policy;
      policyHash = cp.hash;
      signerJwk = cp.signerJwk;
    }

    ConfigurationResult conf = policy.configure(evidence.policyClaims());
    List<Claim> incoming = new ArrayList<>(conf.incomingAfter());
    long graceDays = intProperty(conf.properties(), ClaimNames.PROPERTY_TCB_GRACE_DAYS).orElse(0L);
    Map<String, Object> derived = tcbAcceptance(verified, fetch, graceDays, now);
    derived.forEach((k, v) -> incoming.add(Claim.of(k, v instanceof Boolean b ? ClaimValue.of(b) : ClaimValue.of(((Number) v).longValue()))));
    Evaluation eval = policy.evaluate(incoming);
    if (!eval.permitted()) {
      throw new ApiError(400, "PolicyDenied", null,
          "the evidence verified (TCB " + verified.status().jsonName() + ", debug " + verified.isDebug()
              + (verified.isSimulated() ? ", simulated" : "") + ") but the policy did not permit it: " + eval.decisionDetail(),
          null);
    }
    List<Claim> properties = new ArrayList<>(conf.properties());
    properties.addAll(eval.properties());

    Duration lifetime = intProperty(properties, ClaimNames.PROPERTY_VALIDITY_MINUTES)
        .filter(m -> m > 0)
        .map(Duration::ofMinutes)
        .map(d -> d.compareTo(MAX_LIFETIME) > 0 ? MAX_LIFETIME : d)
        .orElse(tokenLifetime);
    if (fetch.stale() && lifetime.compareTo(STALE_LIFETIME) > 0) {
      lifetime = STALE_LIFETIME;
    }
    Instant exp = now.plus(lifetime);
    if (!fetch.stale() && verified.earliestExpiry().isBefore(exp)) {
      exp = verified.earliestExpiry();
    }
    boolean omitX5c = boolProperty(properties, ClaimNames.PROPERTY_OMIT_X5C).orElse(false);

    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuerUrl);
    claims.put("iat", now.getEpochSecond());
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", exp.getEpochSecond());
    claims.put("jti", jti());
    request.nonce().ifPresent(n -> claims.put("nonce", n));
    claims.putAll(evidence.tokenClaims());
    claims.putAll(derived);
    claims.put(ClaimNames.POLICY_HASH, policyHash);
    if (signerJwk.isPresent()) {
      claims.put(ClaimNames.POLICY_SIGNER, jsonToJava(signerJwk.get()));
    }
    Map<String, Object> issued = issuedClaims(eval.issued());
    if (!issued.isEmpty()) {
      claims.put(ClaimNames.POLICY, issued);
    }
    if (draft) {
      return new Attested(TokenIssuer.unsigned(claims), false, verified);
    }
    try {
      return new Attested(issuer.sign(claims, !omitX5c), true, verified);
    } catch (GeneralSecurityException e) {
      throw new ApiError(500, "SigningFailed", null, "the token could not be signed: " + e.getMessage(), e);
    }
  }

  /** Bounded stale use: the collateral service only serves stale collateral within its limit. */
  private static Instant evaluationTime(CollateralFetch fetch, Instant now) {
    if (fetch.stale() && !now.isBefore(fetch.nextUpdate())) {
      return fetch.nextUpdate().minusSeconds(1);
    }
    return now;
  }

  private static ApiError verificationFailed(AttestationException e) {
    return new ApiError(400, "QuoteVerificationFailed", e.reason().name(), e.getMessage() + "; " + e.reason().hint(), e);
  }

  /**
   * Decides whether the TCB status is acceptable, with the grace period for out-of-date platforms:
   * acceptable until {@code graceDays} after the first TCB level newer than the platform's was
   * published (its tcbDate) — the TCB recovery that made the platform out of date.
   */
  private static Map<String, Object> tcbAcceptance(VerifiedQuote v, CollateralFetch fetch, long graceDays, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    TcbStatus s = v.status();
    if (ACCEPTABLE.contains(s)) {
      m.put(ClaimNames.TCB_ACCEPTABLE, true);
      return m;
    }
    if ((s == TcbStatus.OUT_OF_DATE || s == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED) && graceDays > 0) {
      Instant newer = null;
      for (TcbLevel l : fetch.collateral().tcbInfo().tcbInfo().tcbLevels()) {
        if (l.tcbDate().isAfter(v.tcbDate()) && (newer == null || l.tcbDate().isBefore(newer))) {
          newer = l.tcbDate();
        }
      }
      if (newer != null) {
        Instant deadline = newer.plus(Duration.ofDays(Math.min(graceDays, 3650)));
        m.put(ClaimNames.TCB_ACCEPTABLE, now.isBefore(deadline));
        m.put(ClaimNames.TCB_GRACE_DEADLINE, deadline.getEpochSecond());
        return m;
      }
    }
    m.put(ClaimNames.TCB_ACCEPTABLE, false);
    return m;
  }

  /**
   * Groups the policy's issued claims for {@code x-ms-policy}. A value sits up to three levels deep
   * in the token (claims, {@code x-ms-policy}, a repeated claim's array); one that would push the
   * token past {@link Json#MAX_DEPTH} nested levels is refused.
   */
  private static Map<String, Object> issuedClaims(List<Claim> issued) throws ApiError {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Claim c : issued) {
      JsonValue v = c.value().toJson();
      if (Json.depth(v) + 3 > Json.MAX_DEPTH) {
        throw new ApiError(400, "InvalidPolicy", null, "the policy issued claim \"" + c.type() + "\" with a value of "
            + Json.depth(v) + " nested objects and arrays; at most " + (Json.MAX_DEPTH - 3) + " fit in the token", null);
      }
      Object prev = out.get(c.type());
      if (prev == null) {
        out.put(c.type(), v);
      } else if (prev instanceof MultiValue mv) {
        mv.add(v);
      } else {
        MultiValue l = new MultiValue();
        l.add(prev);
        l.add(v);
        out.put(c.type(), l);
      }
    }
    return out;
  }

  /** A list made from repeated claims of one type. */
  private static final class MultiValue extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;
  }

  private static Optional<Long> intProperty(List<Claim> props, String name) {
    return property(props, name, ClaimValue.Int.class).map(ClaimValue.Int::v);
  }

  private static Optional<Boolean> boolProperty(List<Claim> props, String name) {
    return property(props, name, ClaimValue.Bool.class).map(ClaimValue.Bool::v);
  }

  /** Returns the last property claim {@code name} whose value has type {@code type}. */
  private static <T extends ClaimValue> Optional<T> property(List<Claim> props, String name, Class<T> type) {
    Optional<T> r = Optional.empty();
    for (Claim c : props) {
      if (c.type().equals(name) && type.isInstance(c.value())) {
        r = Optional.of(type.cast(c.value()));
      }
    }
    return r;
  }

  private String jti() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static Policy parsePolicy(String text) throws ApiError {
    try {
      return Policy.parse(text);
    } catch (PolicyParseException e) {
      throw new ApiError(400, "InvalidPolicy", "POLICY_PARSE_ERROR",
          "the policy does not parse: " + e.getMessage(), e);
    }
  }

  private CachedPolicy policy(AttestationType type) throws ApiError {
    long nowMs = clock.millis();
    CachedPolicy cp;
    synchronized (policies) {
      cp = policies.get(type);
    }
    if (cp != null && nowMs - cp.checkedAt < POLICY_RECHECK_MILLIS) {
      return cp;
    }
    try {
      long version = store.version();
      if (cp != null && cp.version == version) {
        cp = cp.checked(nowMs);
      } else {
        Optional<StoredPolicy> sp = store.get(type);
        if (sp.isPresent()) {
          Policy p;
          try {
            p = Policy.parse(sp.get().text());
          } catch (PolicyParseException e) {
            throw new ApiError(500, "StoredPolicyInvalid", null,
                "the stored " + type.pathName() + " policy no longer parses (" + e.getMessage() + "); reset or replace it", e);
          }
          cp = new CachedPolicy(version, nowMs, p, sp.get().jws(), sp.get().signerJwk());
        } else {
          cp = new CachedPolicy(version, nowMs, defaultPolicy, PolicyDocument.unsignedJws(defaultPolicy.text()), Optional.empty());
        }
      }
    } catch (IOException e) {
      if (cp != null) {
        return cp; // the database is briefly unreachable: keep the last known policy
      }
      throw new ApiError(503, "PolicyStoreUnavailable", null, "the policy store cannot be read: " + e.getMessage(), e);
    }
    synchronized (policies) {
      policies.put(type, cp);
    }
    return cp;
  }

  // ------------------------------------------------------------------------------------------
  // Policy management

  /** Returns MAA's {@code GET /policies/{type}} token: a JWT whose {@code x-ms-policy} is the policy JWS. */
  public String getPolicy(AttestationType type) throws ApiError {
    CachedPolicy cp = policy(type);
    Map<String, Object> claims = baseClaims();
    claims.put("x-ms-policy", cp.jws);
    return sign(claims);
  }

  /**
   * Returns MAA's {@code GET /certificates} token: {@code x-ms-policy-certificates} is a JWKS of the
   * configured policy signers (changed by configuration here, not by {@code certificates:add}).
   */
  public String getPolicyCertificates() throws ApiError {
    Map<String, Object> claims = baseClaims();
    List<Object> keys = new ArrayList<>();
    for (String jwk : authorizer.signerJwks()) {
      keys.add(jsonToJava(jwk));
    }
    claims.put("x-ms-policy-certificates", Map.of("keys", keys));
    return sign(claims);
  }

  /** Handles {@code PUT /policies/{type}}: checks, authorises and stores a policy; returns the policy-result token. */
  public String setPolicy(AttestationType type, String body, Optional<String> authorization) throws ApiError {
    PolicyDocument doc = PolicyDocument.parse(body, false, clock);
    Policy parsed = parsePolicy(doc.text());
    PolicyChange change = authorizer.authorize(doc, authorization);
    Optional<String> signer = doc.signerJwk();
    try {
      store.put(type, new StoredPolicy(parsed.text(), doc.jws(), signer, clock.instant()), change);
    } catch (PolicyStoreException e) {
      throw storeFailure(e, "stored");
    } catch (IOException e) {
      throw new ApiError(503, "PolicyStoreUnavailable", null, "the policy could not be stored: " + e.getMessage(), e);
    }
    invalidate(type);
    Map<String, Object> claims = baseClaims();
    claims.put("x-ms-policy-result", "Updated");
    claims.put("x-ms-policy-token-hash", doc.tokenHash());
    signer.ifPresent(s -> claims.put(ClaimNames.POLICY_SIGNER, jsonToJava(s)));
    return sign(claims);
  }

  /** Handles {@code POST /policies/{type}:reset}: the default policy applies again. */
  public String resetPolicy(AttestationType type, String body, Optional<String> authorization) throws ApiError {
    PolicyDocument doc = PolicyDocument.parse(body, true, clock);
    PolicyChange change = authorizer.authorize(doc, authorization);
    try {
      store.reset(type, change);
    } catch (PolicyStoreException e) {
      throw storeFailure(e, "reset");
    } catch (IOException e) {
      throw new ApiError(503, "PolicyStoreUnavailable", null, "the policy could not be reset: " + e.getMessage(), e);
    }
    invalidate(type);
    Map<String, Object> claims = baseClaims();
    claims.put("x-ms-policy-result", "Removed");
    Optional<String> signer = doc.signerJwk();
    signer.ifPresent(s -> claims.put(ClaimNames.POLICY_SIGNER, jsonToJava(s)));
    return sign(claims);
  }

  private static ApiError storeFailure(PolicyStoreException e, String verb) {
    if (e.reason() == PolicyStoreException.Reason.NOT_NEWER) {
      return new ApiError(409, "PolicyNotNewer", null, e.getMessage(), null);
    }
    return new ApiError(503, "PolicyStoreUnavailable", null, "the policy could not be " + verb + ": " + e.getMessage(), e);
  }

  private void invalidate(AttestationType type) {
    synchronized (policies) {
      policies.remove(type);
    }
  }

  private Map<String, Object> baseClaims() {
    Instant now = clock.instant();
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuerUrl);
    claims.put("iat", now.getEpochSecond());
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", now.plus(tokenLifetime).getEpochSecond());
    claims.put("jti", jti());
    return claims;
  }

  private String sign(Map<String, Object> claims) throws ApiError {
    try {
      return issuer.sign(claims, true);
    } catch (GeneralSecurityException e) {
      throw new ApiError(500, "SigningFailed", null, "the token could not be signed: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------------------------------
  // OIDC

  /** Returns the OpenID discovery document. */
  public String openIdConfiguration() {
    JsonBuilder b = JsonBuilder.object()
        .put("issuer", issuerUrl)
        .put("jwks_uri", issuerUrl + "/certs")
        .putStrings("response_types_supported", List.of("token", "none"))
        .putStrings("id_token_signing_alg_values_supported", signingAlgorithms())
        .putStrings("subject_types_supported", List.of("public"))
        .putStrings("claims_supported", List.of(
            "iss", "iat", "exp", "nbf", "jti", "nonce",
            ClaimNames.ATTESTATION_TYPE, ClaimNames.IS_DEBUGGABLE, ClaimNames.MRENCLAVE, ClaimNames.MRSIGNER,
            ClaimNames.PRODUCT_ID, ClaimNames.SVN, ClaimNames.EHD, ClaimNames.REPORT_DATA, ClaimNames.COLLATERAL,
            ClaimNames.CONFIG_ID, ClaimNames.CONFIG_SVN, ClaimNames.ISV_EXTENDED_PRODUCT_ID, ClaimNames.ISV_FAMILY_ID,
            ClaimNames.RUNTIME, ClaimNames.INITTIME, ClaimNames.VERSION, ClaimNames.POLICY_HASH, ClaimNames.POLICY_SIGNER,
            ClaimNames.POLICY, ClaimNames.TCB_STATUS, ClaimNames.ADVISORY_IDS, ClaimNames.QE_STATUS, ClaimNames.TCB_DATE,
            ClaimNames.TCB_EVALUATION_DATA_NUMBER, ClaimNames.COLLATERAL_EXPIRY, ClaimNames.COLLATERAL_STALE,
            ClaimNames.COLLATERAL_WARNING, ClaimNames.SIMULATED, ClaimNames.FMSPC, ClaimNames.PCK_CA,
            ClaimNames.TRUST_ANCHOR, ClaimNames.TCB_ACCEPTABLE, ClaimNames.TCB_GRACE_DEADLINE));
    return Json.write(b.build());
  }

  private List<String> signingAlgorithms() {
    java.util.TreeSet<String> algs = new java.util.TreeSet<>();
    issuer.ring().published().forEach(k -> algs.add(k.algorithm().name()));
    algs.add(issuer.ring().algorithm().name());
    return List.copyOf(algs);
  }

  /** Returns the JWKS of the published signing keys. */
  public String jwks() throws ApiError {
    try {
      return issuer.jwksJson();
    } catch (GeneralSecurityException e) {
      throw new ApiError(500, "KeysUnavailable", null, "the signing keys cannot be published: " + e.getMessage(), e);
    }
  }

  /** Returns the issuer URL. */
  public String issuerUrl() {
    return issuerUrl;
  }

  private static Object jsonToJava(String json) {
    try {
      return Json.parse(json);
    } catch (MalformedInputException e) {
      return json;
    }
  }
}
