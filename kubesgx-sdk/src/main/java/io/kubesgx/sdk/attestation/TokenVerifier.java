package io.kubesgx.sdk.attestation;

import io.kubesgx.sdk.internal.HttpSupport;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.sdk.attestation.TokenVerificationException.Reason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Verifies tokens of one attestation service: finds its keys through OpenID discovery ({@code
 * {issuer}/.well-known/openid-configuration}, then {@code jwks_uri}), checks the RS256 or ES256
 * signature, {@code iss}, {@code exp}, {@code nbf} and optionally {@code nonce}, and returns a
 * {@link VerifiedToken}.
 *
 * <p>The metadata's {@code issuer} must equal the configured issuer. Keys are cached for a TTL and
 * fetched again once when a token names an unknown {@code kid} (key rotation). Concurrent callers
 * share one in-flight fetch (so a hanging issuer costs every waiting caller one request timeout, not
 * one each); each request has an absolute deadline covering headers and body, and a caller waits
 * for another's fetch at most twice the request timeout plus one second (the fetch makes two
 * requests), so even a fetch that never ends (say, a custom {@link HttpClient} that blocks) cannot
 * hold waiters forever; a fetch that fails in any way, an {@link Error} included, releases its
 * waiters. A failed fetch is
 * remembered for {@link Builder#failureMemory} (default 5 s): calls in that window fail at once with
 * the same reason, then the next call tries again. While the cache has expired and fetching fails,
 * tokens are rejected rather than checked against stale keys. Unsigned tokens ({@code alg: none}, as draft-policy attestations return) are always
 * rejected; {@link #parseUnverified(String)} reads them without any check.
 *
 * <pre>{@code
 * TokenVerifier verifier = TokenVerifier.newBuilder("https://attest.example").build();
 * VerifiedToken token = verifier.verify(jwt, expectedNonce);
 * String mrEnclave = token.claims().getStringClaim("x-ms-sgx-mrenclave");
 * }</pre>
 */
public final class TokenVerifier {
  /** The signature algorithms this verifier implements; the issuer's metadata may narrow them. */
  public static final Set<JWSAlgorithm> SUPPORTED_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
  /** Largest clock skew a builder accepts. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  /** Smallest RSA modulus accepted, in bits. */
  public static final int MIN_RSA_BITS = 2048;

  private final String issuer;
  private final URI discoveryUri;
  private final HttpClient http;
  private final Clock clock;
  private final Duration clockSkew;
  private final Duration cacheTtl;
  private final Duration minRefetchInterval;
  private final Duration requestTimeout;
  private final boolean allowHttp;
  private final Duration failureMemory;
  private final Duration waitBound; // longest wait for another caller's fetch: its two requests, plus slack

  private volatile Keys keys; // null until the first successful fetch
  private final Object fetchLock = new Object();
  private CompletableFuture<Keys> inFlight; // guarded by fetchLock; the one running fetch
  private Failure lastFailure; // guarded by fetchLock; the last failed fetch, remembered briefly

  /** What discovery and the JWKS gave at one time. */
  private record Keys(Instant fetchedAt, Set<JWSAlgorithm> algorithms, JWKSet jwks) {}

  /** A failed fetch and when it ended. */
  private record Failure(Instant at, TokenVerificationException error) {}

  private TokenVerifier(Builder b) {
    this.issuer = b.issuer;
    String s = b.issuer.endsWith("/") ? b.issuer.substring(0, b.issuer.length() - 1) : b.issuer;
    this.discoveryUri = URI.create(s + "/.well-known/openid-configuration");
    this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.clock = b.clock;
    this.clockSkew = b.clockSkew;
    this.cacheTtl = b.cacheTtl;
    this.minRefetchInterval = b.minRefetchInterval;
    this.requestTimeout = b.requestTimeout;
    this.allowHttp = b.allowHttp;
    this.failureMemory = b.failureMemory;
    this.waitBound = b.requestTimeout.multipliedBy(2).plusSeconds(1);
  }

  /** Returns a builder for tokens issued by {@code issuer} (the exact {@code iss} value, an https URL). */
  public static Builder newBuilder(String issuer) {
    return new Builder(issuer);
  }

  /**
   * DANGEROUS: parses a token without checking its signature, issuer or lifetime — for reading
   * draft-policy (unsigned) tokens while writing a policy, never for decisions.
   *
   * @throws TokenVerificationException {@link Reason#MALFORMED} when the text is not a JWT
   */
  public static AttestationToken parseUnverified(String jwt) throws TokenVerificationException {
    try {
      return AttestationToken.parse(Objects.requireNonNull(jwt, "jwt"));
    } catch (ParseException e) {
      throw new TokenVerificationException(Reason.MALFORMED, "not a JWT: " + e.getMessage(), e);
    }
  }

  /**
   * Verifies {@code jwt} without a nonce check.
   *
   * @throws TokenVerificationException with the {@link Reason} of the first failed check
   */
  public VerifiedToken verify(String jwt) throws TokenVerificationException {
    return verify(jwt, null);
  }

  /**
   * Verifies {@code jwt} and, when {@code expectedNonce} is not null, that its {@code nonce} claim equals it.
   *
   * @throws TokenVerificationException {@link Reason#MALFORMED}, {@link Reason#UNSIGNED}, {@link
   *     Reason#ALGORITHM_NOT_ALLOWED}, {@link Reason#METADATA_UNAVAILABLE}, {@link Reason#UNKNOWN_KEY},
   *     {@link Reason#BAD_SIGNATURE}, {@link Reason#WRONG_ISSUER}, {@link Reason#EXPIRED}, {@link
   *     Reason#NOT_YET_VALID} or {@link Reason#NONCE_MISMATCH}
   */
  public VerifiedToken verify(String jwt, String expectedNonce) throws TokenVerificationException {
    Objects.requireNonNull(jwt, "jwt");
    JWT parsed;
    try {
      parsed = JWTParser.parse(jwt);
    } catch (ParseException e) {
      throw new TokenVerificationException(Reason.MALFORMED, "not a JWT: " + e.getMessage(), e);
    }
    if (parsed instanceof PlainJWT) {
      throw new TokenVerificationException(Reason.UNSIGNED,
          "the token is unsigned (alg none), as draft-policy tokens are; it proves nothing");
    }
    if (parsed instanceof EncryptedJWT || !(parsed instanceof SignedJWT signed)) {
      throw new TokenVerificationException(Reason.MALFORMED, "not a signed JWT (JWS)");
    }
    JWSAlgorithm alg = signed.getHeader().getAlgorithm();
    if (!SUPPORTED_ALGORITHMS.contains(alg)) {
      throw new TokenVerificationException(Reason.ALGORITHM_NOT_ALLOWED,
          "algorithm " + alg + " is not accepted (only RS256 and ES256)");
    }
    Keys k = currentKeys();
    if (!k.algorithms().contains(alg)) {
      throw new TokenVerificationException(Reason.ALGORITHM_NOT_ALLOWED,
          "algorithm " + alg + " is not listed in the issuer's id_token_signing_alg_values_supported");
    }
    String kid = signed.getHeader().getKeyID();
    JWK key = findKey(k.jwks(), kid, alg);
    if (key == null && !clock.instant().isBefore(k.fetchedAt().plus(minRefetchInterval))) {
      k = refresh(k); // the issuer may have rotated its keys
      key = findKey(k.jwks(), kid, alg);
    }
    if (key == null) {
      throw new TokenVerificationException(Reason.UNKNOWN_KEY, "no " + alg + " signing key "
          + (kid == null ? "(the token has no kid, and the key set does not have exactly one candidate)" : "with kid '" + kid + "'")
          + " in the key set of " + issuer);
    }
    // spec: RFC 7515 §5.2 — validate the JWS signature with the key the header names.
    if (!signatureValid(signed, key)) {
      throw new TokenVerificationException(Reason.BAD_SIGNATURE, "invalid token signature");
    }
    JWTClaimsSet claims;
    try {
      claims = signed.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenVerificationException(Reason.MALFORMED, "the token's claims are not a JSON object", e);
    }
    checkClaims(claims, expectedNonce);
    return new VerifiedToken(jwt, alg.getName(), kid, claims);
  }

  private void checkClaims(JWTClaimsSet claims, String expectedNonce) throws TokenVerificationException {
    // spec: RFC 7519 §4.1.1 — iss must be the issuer we trust, compared exactly.
    if (!issuer.equals(claims.getIssuer())) {
      throw new TokenVerificationException(Reason.WRONG_ISSUER,
          "the token's issuer '" + claims.getIssuer() + "' is not '" + issuer + "'");
    }
    Instant now = clock.instant();
    // spec: RFC 7519 §4.1.4 — reject at or after exp; we require exp (attestation tokens always carry it).
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new TokenVerificationException(Reason.EXPIRED, "the token has no exp claim");
    }
    if (!now.isBefore(exp.toInstant().plus(clockSkew))) {
      throw new TokenVerificationException(Reason.EXPIRED, "the token expired at " + exp.toInstant());
    }
    // spec: RFC 7519 §4.1.5 — reject before nbf.
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.isBefore(nbf.toInstant().minus(clockSkew))) {
      throw new TokenVerificationException(Reason.NOT_YET_VALID, "the token is not valid before " + nbf.toInstant());
    }
    if (expectedNonce != null) {
      Object nonce = claims.getClaim("nonce");
      if (!expectedNonce.equals(nonce)) {
        throw new TokenVerificationException(Reason.NONCE_MISMATCH,
            nonce == null ? "the token has no nonce claim" : "the token's nonce is not the expected one");
      }
    }
  }

  private static JWK findKey(JWKSet jwks, String kid, JWSAlgorithm alg) {
    List<JWK> candidates = new ArrayList<>();
    for (JWK k : jwks.getKeys()) {
      if (kid != null && !kid.equals(k.getKeyID())) {
        continue;
      }
      if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
        continue;
      }
      if (k.getAlgorithm() != null && !alg.getName().equals(k.getAlgorithm().getName())) {
        continue;
      }
      boolean typeFits = alg.equals(JWSAlgorithm.RS256) ? k instanceof RSAKey
          : k instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
      if (typeFits) {
        candidates.add(k);
      }
    }
    return candidates.size() == 1 ? candidates.get(0) : null;
  }

  private static boolean signatureValid(SignedJWT jwt, JWK key) {
    try {
      JWSVerifier v;
      if (key instanceof RSAKey rsa) {
        if (rsa.size() < MIN_RSA_BITS) {
          return false;
        }
        v = new RSASSAVerifier(rsa);
      } else {
        v = new ECDSAVerifier((ECKey) key);
      }
      return jwt.verify(v);
    } catch (JOSEException | RuntimeException e) {
      return false; // a provider failure during verification means "invalid", never "valid"
    }
  }

  private Keys currentKeys() throws TokenVerificationException {
    Keys k = keys;
    if (k == null || !clock.instant().isBefore(k.fetchedAt().plus(cacheTtl))) {
      k = refresh(k);
    }
    return k;
  }

  /**
   * Returns fresh keys unless another thread already replaced {@code seen}. One fetch runs at a
   * time: the first caller fetches on its own thread, the others wait for its result; a failure is
   * remembered for {@link #failureMemory} and answered from memory meanwhile.
   */
  private Keys refresh(Keys seen) throws TokenVerificationException {
    CompletableFuture<Keys> shared;
    boolean mine = false;
    synchronized (fetchLock) {
      Keys current = keys;
      if (current != null && !current.equals(seen)) {
        return current; // another thread fetched in the meantime
      }
      Failure f = lastFailure;
      if (f != null && clock.instant().isBefore(f.at().plus(failureMemory))) {
        throw new TokenVerificationException(f.error().reason(), f.error().getMessage()
            + " (remembered failure from " + f.at() + "; retried after " + f.at().plus(failureMemory) + ")", f.error());
      }
      if (inFlight == null) {
        inFlight = new CompletableFuture<>();
        mine = true;
      }
      shared = inFlight;
    }
    if (mine) {
      try {
        Keys fresh = fetch();
        synchronized (fetchLock) {
          keys = fresh;
          lastFailure = null;
          inFlight = null;
        }
        shared.complete(fresh);
        return fresh;
      } catch (TokenVerificationException e) {
        failed(shared, e);
        throw e;
      } catch (RuntimeException e) {
        TokenVerificationException t = new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
            "fetching the keys of " + issuer + " failed: " + e, e);
        failed(shared, t);
        throw t;
      } finally {
        if (!shared.isDone()) {
          // An Error (or anything else not caught above) escaped: it propagates to this caller, but
          // the waiters and the next caller must not wait for a fetch that will never complete.
          failed(shared, new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
              "fetching the keys of " + issuer + " failed unexpectedly"));
        }
      }
    }
    try {
      return shared.get(waitBound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE, "the keys of " + issuer
          + " were not fetched within " + waitBound.toMillis() + " ms (another caller's fetch is still running)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "interrupted while waiting for the keys of " + issuer, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof TokenVerificationException t) {
        throw new TokenVerificationException(t.reason(), t.getMessage(), t);
      }
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "fetching the keys of " + issuer + " failed: " + c, c);
    }
  }

  private void failed(CompletableFuture<Keys> shared, TokenVerificationException e) {
    synchronized (fetchLock) {
      lastFailure = new Failure(clock.instant(), e);
      inFlight = null;
    }
    shared.completeExceptionally(e);
  }

  /** Fetches the metadata, then the key set. */
  private Keys fetch() throws TokenVerificationException {
    JsonObject meta;
    try {
      meta = Json.parseObject(new String(get(discoveryUri), StandardCharsets.UTF_8));
    } catch (MalformedInputException e) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "the OpenID metadata at " + discoveryUri + " is not a JSON object: " + e.getMessage(), e);
    }
    String metaIssuer;
    URI jwksUri;
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    try {
      metaIssuer = meta.string("issuer");
      // spec: OpenID Connect Discovery 1.0 §4.3 — the issuer in the metadata must equal the one used to find it.
      if (!issuer.equals(metaIssuer)) {
        throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
            "the OpenID metadata at " + discoveryUri + " names issuer '" + metaIssuer + "', not '" + issuer + "'");
      }
      jwksUri = HttpSupport.checkUri(URI.create(meta.string("jwks_uri")), allowHttp, "jwks_uri");
      if (meta.has("id_token_signing_alg_values_supported")) {
        for (JsonValue v : meta.array("id_token_signing_alg_values_supported")) {
          if (v instanceof JsonString str) {
            JWSAlgorithm a = JWSAlgorithm.parse(str.value());
            if (SUPPORTED_ALGORITHMS.contains(a)) {
              algorithms.add(a);
            }
          }
        }
      } else {
        algorithms.add(JWSAlgorithm.RS256); // spec: OpenID Connect Discovery 1.0 §3 — RS256 must be supported
      }
    } catch (MalformedInputException | IllegalArgumentException e) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "the OpenID metadata at " + discoveryUri + " is unusable: " + e.getMessage(), e);
    }
    JWKSet jwks;
    try {
      jwks = JWKSet.parse(new String(get(jwksUri), StandardCharsets.UTF_8)).toPublicJWKSet();
    } catch (ParseException e) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "the key set at " + jwksUri + " is not a JWKS: " + e.getMessage(), e);
    }
    return new Keys(clock.instant(), Set.copyOf(algorithms), jwks);
  }

  /**
   * GETs {@code uri} with one absolute deadline ({@code requestTimeout}) for connecting, headers and
   * the whole body; the body is bounded to {@link HttpSupport#MAX_BODY} bytes.
   */
  private byte[] get(URI uri) throws TokenVerificationException {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json").GET().build();
    CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(req, info -> HttpSupport.boundedBody());
    HttpResponse<byte[]> r;
    try {
      r = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "GET " + uri + " did not complete within " + requestTimeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE, "GET " + uri + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE, "interrupted during GET " + uri, e);
    }
    byte[] body = r.body();
    if (r.statusCode() != 200) {
      throw new TokenVerificationException(Reason.METADATA_UNAVAILABLE,
          "GET " + uri + " answered HTTP " + r.statusCode() + ": " + HttpSupport.excerpt(body));
    }
    return body;
  }

  @Override
  public String toString() {
    return "TokenVerifier[" + issuer + "]";
  }

  /** Builder of a {@link TokenVerifier}; every setting has a safe default. */
  public static final class Builder {
    private final String issuer;
    private HttpClient http;
    private Clock clock = Clock.systemUTC();
    private Duration clockSkew = Duration.ofSeconds(60);
    private Duration cacheTtl = Duration.ofHours(1);
    private Duration minRefetchInterval = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private boolean allowHttp;
    private Duration failureMemory = Duration.ofSeconds(5);

    private Builder(String issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
    }

    /** Uses {@code client} for discovery and key requests. */
    public Builder httpClient(HttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Sets the clock that decides expiry and cache age (default the system UTC clock). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Sets the tolerated clock difference for {@code exp} and {@code nbf}, at most {@link #MAX_CLOCK_SKEW} (default 60 s). */
    public Builder clockSkew(Duration d) {
      Objects.requireNonNull(d, "clockSkew");
      if (d.isNegative() || d.compareTo(MAX_CLOCK_SKEW) > 0) {
        throw new IllegalArgumentException("clockSkew must be 0.." + MAX_CLOCK_SKEW + ", got " + d);
      }
      this.clockSkew = d;
      return this;
    }

    /** Sets how long fetched metadata and keys are used before being fetched again (default 1 h). */
    public Builder jwksCacheTtl(Duration d) {
      this.cacheTtl = positive(d, "jwksCacheTtl");
      return this;
    }

    /**
     * Sets the shortest time between two fetches caused by unknown {@code kid}s (default 30 s), so
     * that tokens with random key IDs cannot make the verifier hammer the issuer; zero allows a
     * refetch for every unknown key.
     */
    public Builder minRefetchInterval(Duration d) {
      Objects.requireNonNull(d, "minRefetchInterval");
      if (d.isNegative()) {
        throw new IllegalArgumentException("minRefetchInterval must not be negative");
      }
      this.minRefetchInterval = d;
      return this;
    }

    /**
     * Sets how long a failed metadata or key fetch is remembered (default 5 s): calls in that window
     * fail at once with the remembered reason instead of asking the issuer again; zero retries on
     * every call.
     */
    public Builder failureMemory(Duration d) {
      Objects.requireNonNull(d, "failureMemory");
      if (d.isNegative()) {
        throw new IllegalArgumentException("failureMemory must not be negative");
      }
      this.failureMemory = d;
      return this;
    }

    /**
     * Sets the absolute deadline of each metadata or key request: connect, headers and body (default
     * 10 s); a caller waiting for another caller's fetch waits at most twice this plus one second.
     */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive(d, "requestTimeout");
      return this;
    }

    /** DANGEROUS: allows plain-http issuer and {@code jwks_uri} URLs (local tests); keys could then be replaced in transit. */
    public Builder insecureAllowPlainHttp() {
      this.allowHttp = true;
      return this;
    }

    /**
     * Returns the verifier; nothing is fetched until the first {@code verify}.
     *
     * @throws IllegalArgumentException when the issuer is not an https URL (or http with the insecure option)
     */
    public TokenVerifier build() {
      URI u;
      try {
        u = new URI(issuer);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("issuer is not a URL: " + issuer, e);
      }
      HttpSupport.checkUri(u, allowHttp, "issuer");
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        throw new IllegalArgumentException("issuer must have no query or fragment: " + issuer);
      }
      return new TokenVerifier(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
