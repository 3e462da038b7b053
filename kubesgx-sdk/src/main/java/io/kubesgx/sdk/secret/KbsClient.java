package io.kubesgx.sdk.secret;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEDecrypter;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.RSADecrypter;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.internal.HttpSupport;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * A client of the Trustee KBS protocol ("RCAR", protocol version 0.4.0) for SGX enclaves: gets a
 * secret resource released to this enclave by a KBS (ours or Trustee's).
 *
 * <p>{@link #attest} runs the handshake: {@code POST /kbs/v0/auth} (challenge nonce and session
 * cookie), then a fresh ephemeral TEE key (EC P-256 for {@code ECDH-ES+A256KW} by default, or
 * RSA-2048 for {@code RSA-OAEP-256}) is bound into an SGX quote from the {@link QuoteProvider} with
 * {@code REPORTDATA = SHA-384(JCS({"additional-evidence":"","nonce":…,"tee-pubkey":JWK}))} padded
 * with zeros, and sent to {@code POST /kbs/v0/attest}. {@link KbsSession#resource} then fetches
 * {@code GET /kbs/v0/resource/<repo>/<type>/<tag>} with the session cookie and decrypts the JWE
 * ({@code A256GCM}, key encrypted to the TEE key) to the secret bytes. The private TEE key never
 * leaves the process. Every request has one absolute deadline and reads at most 1 MiB.
 *
 * <pre>{@code
 * KbsClient kbs = KbsClient.newBuilder(URI.create("https://kbs.example")).build();
 * try (QuoteProvider provider = QuoteProviders.auto()) {
 *   byte[] password = kbs.getResource(provider, "default", "db", "password");
 * }
 * }</pre>
 */
public final class KbsClient {
  /** The protocol version sent (Trustee accepts exactly this one). */
  public static final String PROTOCOL_VERSION = "0.4.0";
  /** The session cookie's name. */
  static final String COOKIE = "kbs-session-id";
  /** Resource path segments (Trustee {@code ResourceDesc}). */
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_\\-]+[A-Za-z0-9_\\-.]*");
  private static final Pattern COOKIE_VALUE = Pattern.compile("[A-Za-z0-9_\\-.]{1,256}");
  private static final String ERROR_PREFIX = "https://github.com/confidential-containers/kbs/errors/";

  /** The kind of ephemeral key the TEE generates for the returned JWE. */
  public enum TeeKeyType {
    /** EC P-256 with {@code ECDH-ES+A256KW} (the guest components' default). */
    EC_P256,
    /** RSA-2048 with {@code RSA-OAEP-256}. */
    RSA_2048
  }

  private final URI base;
  private final TeeKeyType keyType;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final SecureRandom random;

  private KbsClient(Builder b) {
    String s = b.base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.keyType = b.keyType;
    this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.requestTimeout = b.requestTimeout;
    this.random = b.random;
  }

  /** Returns a builder for the KBS at {@code baseUrl} (the part before {@code /kbs/v0}). */
  public static Builder newBuilder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  /**
   * Attests once and fetches one resource.
   *
   * @throws SecretException as {@link #attest} and {@link KbsSession#resource}
   */
  public byte[] getResource(QuoteProvider provider, String repository, String type, String tag) throws SecretException {
    return attest(provider).resource(repository, type, tag);
  }

  /**
   * Runs the RCAR handshake and returns the attested session.
   *
   * @throws SecretException {@code QUOTE_FAILED}; {@code ATTESTATION_FAILED} when the KBS refuses the
   *     evidence; {@code UNAUTHORIZED}, {@code BAD_REQUEST}, {@code UNAVAILABLE}, {@code TRANSPORT};
   *     {@code BAD_RESPONSE} for an answer that does not follow the protocol
   */
  public KbsSession attest(QuoteProvider provider) throws SecretException {
    Objects.requireNonNull(provider, "provider");
    // spec: §2.2 — POST /kbs/v0/auth {"version","tee","extra-params"}; we can bind with sha384 only
    // by default, so that is what we offer (the KBS may still select sha256 or sha512).
    String auth = JsonBuilder.object().put("version", PROTOCOL_VERSION).put("tee", "sgx")
        .put("extra-params", JsonBuilder.object().putStrings("supported-hash-algorithms", List.of("sha384", "sha256", "sha512")).build())
        .toString();
    Answer a = send(post("/kbs/v0/auth", auth, null), Step.AUTH);
    String cookie = a.cookie().orElseThrow(() -> bad("the KBS set no " + COOKIE + " cookie in its challenge"));
    String nonce;
    String hash = "sha384";
    try {
      JsonObject challenge = Json.parseObject(a.text());
      nonce = challenge.string("nonce");
      if (nonce.isEmpty() || nonce.length() > 1024) {
        throw bad("the KBS challenge nonce must be 1-1024 characters");
      }
      // spec: extra-params is "" (Trustee) or {"selected-hash-algorithm": …}; default sha384.
      if (challenge.get("extra-params") instanceof JsonObject ep && ep.get("selected-hash-algorithm") instanceof JsonString h) {
        hash = h.value();
      }
    } catch (MalformedInputException e) {
      throw bad("the KBS challenge is not {\"nonce\",\"extra-params\"}: " + e.getMessage());
    }
    KeyPair teeKey = teeKey();
    JsonObject jwk = teePubKey(teeKey);
    byte[] reportData;
    try {
      reportData = KbsBinding.reportData(nonce, jwk, "", hash);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    byte[] quote;
    try {
      quote = provider.quote(reportData);
    } catch (QuoteProviderException e) {
      throw new SecretException(SecretException.Reason.QUOTE_FAILED, "no quote for the KBS: " + e.getMessage(), e);
    }
    // spec: §2.3 — Attestation {init-data, runtime-data{nonce, tee-pubkey}, tee-evidence{primary_evidence{quote}, additional_evidence}}.
    String attest = JsonBuilder.object()
        .put("init-data", (JsonValue) null)
        .put("runtime-data", JsonBuilder.object().put("nonce", nonce).put("tee-pubkey", jwk).build())
        .put("tee-evidence", JsonBuilder.object()
            .put("primary_evidence", JsonBuilder.object().put("quote", Base64.getEncoder().encodeToString(quote)).build())
            .put("additional_evidence", "")
            .build())
        .toString();
    Answer b = send(post("/kbs/v0/attest", attest, cookie), Step.ATTEST);
    String token;
    try {
      token = Json.parseObject(b.text()).string("token");
    } catch (MalformedInputException e) {
      throw bad("the KBS attestation answer is not {\"token\"}: " + e.getMessage());
    }
    if (token.split("\\.", -1).length != 3) {
      throw bad("the KBS attestation token is not a JWT");
    }
    return new KbsSession(this, b.cookie().orElse(cookie), teeKey.getPrivate(), algorithm(), token);
  }

  private JWEAlgorithm algorithm() {
    return keyType == TeeKeyType.EC_P256 ? JWEAlgorithm.ECDH_ES_A256KW : JWEAlgorithm.RSA_OAEP_256;
  }

  private KeyPair teeKey() {
    try {
      KeyPairGenerator g;
      if (keyType == TeeKeyType.EC_P256) {
        g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
      } else {
        g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, random);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("key generation is not available: " + e.getMessage(), e);
    }
  }

  /** The {@code tee-pubkey} JWK with only the members the guest components send (§2.3). */
  static JsonObject teePubKey(KeyPair k) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    if (k.getPublic() instanceof ECPublicKey ec) {
      return JsonBuilder.object().put("kty", "EC").put("crv", "P-256").put("alg", "ECDH-ES+A256KW")
          .put("x", b64.encodeToString(fixed(ec.getW().getAffineX(), 32)))
          .put("y", b64.encodeToString(fixed(ec.getW().getAffineY(), 32))).build();
    }
    RSAPublicKey rsa = (RSAPublicKey) k.getPublic();
    return JsonBuilder.object().put("kty", "RSA").put("alg", "RSA-OAEP-256")
        .put("n", b64.encodeToString(unsigned(rsa.getModulus())))
        .put("e", b64.encodeToString(unsigned(rsa.getPublicExponent()))).build();
  }

  private static byte[] unsigned(BigInteger v) {
    byte[] b = v.toByteArray();
    return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] fixed(BigInteger v, int len) {
    byte[] b = unsigned(v);
    byte[] out = new byte[len];
    System.arraycopy(b, 0, out, len - b.length, b.length);
    return out;
  }

  private HttpRequest post(String path, String json, String cookie) {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    if (cookie != null) {
      r.header("Cookie", COOKIE + "=" + cookie);
    }
    return r.build();
  }

  /** Which protocol step a request belongs to (for the meaning of the KBS's errors). */
  enum Step { AUTH, ATTEST, RESOURCE }

  /** A successful answer: the body and the session cookie it set, if any. */
  record Answer(byte[] body, Optional<String> cookie) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  Answer send(HttpRequest request, Step step) throws SecretException {
    CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request, info -> HttpSupport.boundedBody());
    HttpResponse<byte[]> response;
    try {
      response = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new SecretException(SecretException.Reason.TRANSPORT, "the KBS at " + request.uri()
          + " did not answer completely within " + requestTimeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw new SecretException(SecretException.Reason.TRANSPORT, "request to the KBS at " + request.uri()
          + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new SecretException(SecretException.Reason.TRANSPORT, "interrupted while calling " + request.uri(), e);
    }
    int status = response.statusCode();
    if (status != 200) {
      throw error(status, response.body(), request.uri(), step);
    }
    Optional<String> cookie = Optional.empty();
    for (String h : response.headers().allValues("Set-Cookie")) {
      String first = h.split(";", 2)[0].trim();
      if (first.startsWith(COOKIE + "=")) {
        String v = first.substring(COOKIE.length() + 1);
        if (!COOKIE_VALUE.matcher(v).matches()) {
          throw bad("the KBS set a malformed " + COOKIE + " cookie");
        }
        cookie = Optional.of(v);
      }
    }
    return new Answer(response.body(), cookie);
  }

  /** Maps a KBS error document ({@code {"type": ".../errors/<Variant>", "detail"}}, §2.6) to a reason. */
  static SecretException error(int status, byte[] body, URI uri, Step step) {
    String variant = "";
    String detail = null;
    try {
      JsonObject o = Json.parseObject(new String(body, StandardCharsets.UTF_8));
      String type = o.optString("type");
      if (type != null) {
        variant = type.startsWith(ERROR_PREFIX) ? type.substring(ERROR_PREFIX.length()) : type;
      }
      detail = o.optString("detail");
    } catch (MalformedInputException e) {
      // Not an error document: an excerpt of the body is shown below.
    }
    if (detail == null) {
      detail = body.length == 0 ? "(empty body)" : HttpSupport.excerpt(body);
    }
    SecretException.Reason reason;
    if (status == 404 || (variant.equals("PluginInternalError") && detail.toLowerCase(Locale.ROOT).contains("not found"))) {
      reason = SecretException.Reason.NOT_FOUND;
    } else if (variant.equals("PolicyDeny") || status == 403) {
      reason = SecretException.Reason.DENIED;
    } else if (status == 429 || status == 502 || status == 503 || status == 504) {
      reason = SecretException.Reason.UNAVAILABLE;
    } else if (status == 400 || variant.equals("JweError") || variant.equals("SerdeError")) {
      reason = SecretException.Reason.BAD_REQUEST;
    } else if (step == Step.ATTEST && variant.equals("AttestationError")) {
      reason = SecretException.Reason.ATTESTATION_FAILED;
    } else if (status == 401) {
      reason = SecretException.Reason.UNAUTHORIZED;
    } else {
      reason = SecretException.Reason.TRANSPORT;
    }
    return new SecretException(reason, status, List.of(), "the KBS at " + uri.getScheme() + "://" + uri.getRawAuthority()
        + uri.getRawPath() + " answered HTTP " + status + (variant.isEmpty() ? "" : " " + variant) + ": "
        + HttpSupport.excerpt(detail.getBytes(StandardCharsets.UTF_8)), null);
  }

  static SecretException bad(String message) {
    return new SecretException(SecretException.Reason.BAD_RESPONSE, message, null);
  }

  /**
   * An attested KBS session: its cookie, its token and the private TEE key the resources are
   * encrypted to. Not for sharing between enclaves; valid as long as the KBS keeps the session
   * (Trustee: 5 minutes).
   */
  public static final class KbsSession {
    private final KbsClient client;
    private final String cookie;
    private final PrivateKey teeKey;
    private final JWEAlgorithm alg;
    private final String token;

    KbsSession(KbsClient client, String cookie, PrivateKey teeKey, JWEAlgorithm alg, String token) {
      this.client = client;
      this.cookie = cookie;
      this.teeKey = teeKey;
      this.alg = alg;
      this.token = token;
    }

    /** Returns the attestation token the KBS issued (not verified by this client). */
    public String token() {
      return token;
    }

    /**
     * Fetches and decrypts {@code /kbs/v0/resource/<repository>/<type>/<tag>}.
     *
     * @throws SecretException {@code DENIED} (the KBS's resource policy), {@code NOT_FOUND}, {@code
     *     UNAUTHORIZED} (session gone: attest again), {@code TRANSPORT}, {@code UNAVAILABLE}; {@code
     *     BAD_RESPONSE} when the JWE is malformed or not for this TEE key; {@code UNWRAP_FAILED}
     *     when it does not decrypt
     * @throws IllegalArgumentException when a path segment is not {@code [A-Za-z0-9_-][A-Za-z0-9_.-]*}
     */
    public byte[] resource(String repository, String type, String tag) throws SecretException {
      for (String s : new String[] {repository, type, tag}) {
        if (s == null || s.length() > 256 || !SEGMENT.matcher(s).matches()) {
          throw new IllegalArgumentException("KBS resource path segments are letters, digits, '_', '-' and '.' "
              + "(not first), got '" + s + "'");
        }
      }
      HttpRequest r = HttpRequest.newBuilder(URI.create(client.base + "/kbs/v0/resource/" + repository + "/" + type + "/" + tag))
          .timeout(client.requestTimeout).header("Cookie", COOKIE + "=" + cookie).GET().build();
      Answer a = client.send(r, Step.RESOURCE);
      return decrypt(a.text());
    }

    /** Decrypts the flattened JWE {@code {protected, encrypted_key, iv, ciphertext, tag}} (§2.5). */
    byte[] decrypt(String jweJson) throws SecretException {
      JWEObject jwe;
      try {
        JsonObject o = Json.parseObject(jweJson);
        if (o.has("aad")) {
          throw bad("the KBS answered a JWE with extra AAD, which the protocol does not use");
        }
        // The compact form has the same AAD (ASCII of the protected header as received).
        jwe = JWEObject.parse(o.string("protected") + "." + o.string("encrypted_key") + "." + o.string("iv") + "."
            + o.string("ciphertext") + "." + o.string("tag"));
      } catch (MalformedInputException | ParseException | RuntimeException e) {
        // Nimbus may throw unchecked exceptions on hostile headers: every one is "malformed".
        throw bad("the KBS answered no valid JWE: " + e.getMessage());
      }
      if (!alg.equals(jwe.getHeader().getAlgorithm()) || !EncryptionMethod.A256GCM.equals(jwe.getHeader().getEncryptionMethod())) {
        throw bad("the KBS encrypted the resource with " + jwe.getHeader().getAlgorithm() + "/"
            + jwe.getHeader().getEncryptionMethod() + ", not " + alg + "/A256GCM for this TEE key");
      }
      if (jwe.getHeader().getCompressionAlgorithm() != null) {
        throw bad("the KBS answered a compressed JWE, which the protocol does not use");
      }
      try {
        JWEDecrypter d = teeKey instanceof ECPrivateKey ec ? new ECDHDecrypter(ec) : new RSADecrypter(teeKey);
        jwe.decrypt(d);
      } catch (JOSEException | RuntimeException e) {
        throw new SecretException(SecretException.Reason.UNWRAP_FAILED, "the KBS resource does not decrypt with this TEE key", e);
      }
      return jwe.getPayload().toBytes();
    }
  }

  /** Builder of a {@link KbsClient}; every setting has a safe default. */
  public static final class Builder {
    private final URI base;
    private TeeKeyType keyType = TeeKeyType.EC_P256;
    private HttpClient http;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private SecureRandom random = new SecureRandom();
    private boolean allowHttp;

    private Builder(URI base) {
      this.base = Objects.requireNonNull(base, "baseUrl");
    }

    /** Sets the TEE key type (default {@link TeeKeyType#EC_P256}). */
    public Builder teeKeyType(TeeKeyType t) {
      this.keyType = Objects.requireNonNull(t, "teeKeyType");
      return this;
    }

    /** Uses {@code client} for the KBS (TLS settings, proxies). */
    public Builder httpClient(HttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Sets the absolute deadline of each request, connection and whole body included (default 30 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = HttpSupport.positive(d, "requestTimeout");
      return this;
    }

    /** Sets the randomness for TEE keys (default a new {@link SecureRandom}). */
    public Builder random(SecureRandom r) {
      this.random = Objects.requireNonNull(r, "random");
      return this;
    }

    /** DANGEROUS: allows a plain-http KBS URL (local tests); the session cookie travels unprotected. */
    public Builder insecureAllowPlainHttp() {
      this.allowHttp = true;
      return this;
    }

    /**
     * Returns the client.
     *
     * @throws IllegalArgumentException when the URL is not https (or http with the insecure option)
     */
    public KbsClient build() {
      HttpSupport.checkBaseUri(base, allowHttp, "the KBS URL");
      return new KbsClient(this);
    }
  }
}
