package io.kubesgx.sdk.secret;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.attestation.AttestationClient;
import io.kubesgx.sdk.attestation.AttestationClientException;
import io.kubesgx.sdk.attestation.RuntimeData;
import io.kubesgx.sdk.internal.HttpSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gets a key out of a key broker (ours, or Azure Key Vault / Managed HSM) by Secure Key Release: the
 * enclave proves what it is, and the broker wraps the key to a transfer key only the enclave holds.
 *
 * <p>One {@link #release} call: generates a fresh RSA transfer key in this process (its private half
 * never leaves it); binds the public half as runtime data {@code {"keys":[{RSA JWK, "kid",
 * "key_ops":["encrypt"]}]}} (JSON, SHA-256 of those bytes in REPORTDATA) into a quote from the given
 * {@link QuoteProvider} and attests through the {@link AttestationClient}; sends the token to {@code
 * POST {broker}/keys/{name}[/{version}]/release?api-version=7.6} with {@code {target, enc}};
 * verifies the release JWS (only RS/PS algorithms, signed by the {@code x5c} leaf, which {@link
 * SignerTrust} must accept, and for the key asked for); and unwraps {@code key_hsm} (RSA-OAEP, then
 * RFC 5649). Responses are read up to 1 MiB within one absolute deadline per call.
 *
 * <pre>{@code
 * AttestationClient attestation = AttestationClient.newBuilder(URI.create("https://attest.example")).build();
 * SecretClient secrets = SecretClient.newBuilder(URI.create("https://broker.example"), attestation,
 *         SignerTrust.pinnedPem(Path.of("/etc/broker/release-signing.crt")))
 *     .bearerTokenFile(Path.of("/var/run/secrets/tokens/key-broker"))
 *     .build();
 * try (QuoteProvider provider = QuoteProviders.auto()) {
 *   ReleasedKey key = secrets.release(provider, "db-key", Optional.empty());
 *   SecretKey aes = key.aesKey().orElseThrow();
 * }
 * }</pre>
 */
public final class SecretClient {
  /** The {@code api-version} sent unless the builder sets another. */
  public static final String DEFAULT_API_VERSION = "7.6";
  /** Key Vault's key-name rule. */
  private static final Pattern NAME = Pattern.compile("[0-9A-Za-z-]{1,127}");
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z-]{1,64}");
  /** Signature algorithms a release result may use: RSA only (the broker's and Key Vault's RS256, and kin). */
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
  private static final Pattern CLAIMS = Pattern.compile("\\(claims: ([^)]*)\\)");

  private final URI base;
  private final AttestationClient attestation;
  private final SignerTrust trust;
  private final Supplier<Optional<String>> bearer;
  private final String apiVersion;
  private final KeyWrapAlgorithm wrap;
  private final int transferKeyBits;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final Clock clock;
  private final SecureRandom random;

  private SecretClient(Builder b) {
    String s = b.base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.attestation = b.attestation;
    this.trust = b.trust;
    this.bearer = b.bearer;
    this.apiVersion = b.apiVersion;
    this.wrap = b.wrap;
    this.transferKeyBits = b.transferKeyBits;
    this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.requestTimeout = b.requestTimeout;
    this.clock = b.clock;
    this.random = b.random;
  }

  /**
   * Returns a builder for the broker at {@code brokerUrl} (the vault URL, such as {@code
   * https://broker.example}), attesting through {@code attestation} and trusting release results
   * signed as {@code trust} says.
   */
  public static Builder newBuilder(URI brokerUrl, AttestationClient attestation, SignerTrust trust) {
    return new Builder(brokerUrl, attestation, trust);
  }

  /**
   * Attests this enclave with a fresh transfer key and releases the key {@code name} (its newest
   * version unless {@code version} is given).
   *
   * @throws SecretException {@code QUOTE_FAILED}, {@code ATTESTATION_FAILED}; the broker's refusal as
   *     {@code UNAUTHORIZED}, {@code FORBIDDEN}, {@code DENIED} (with {@link
   *     SecretException#failedClaims()}), {@code NOT_FOUND}, {@code BAD_REQUEST}, {@code UNAVAILABLE};
   *     {@code TRANSPORT}; {@code BAD_RESPONSE} when the result is not trusted or not for this key;
   *     {@code UNWRAP_FAILED}
   * @throws IllegalArgumentException when {@code name} or {@code version} is not a Key Vault name
   */
  public ReleasedKey release(QuoteProvider provider, String name, Optional<String> version) throws SecretException {
    Objects.requireNonNull(provider, "provider");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("key names are 1-127 letters, digits and dashes, got '" + name + "'");
    }
    if (version.isPresent() && !VERSION.matcher(version.get()).matches()) {
      throw new IllegalArgumentException("key versions are 1-64 letters, digits and dashes, got '" + version.get() + "'");
    }
    KeyPair transfer = transferKey();
    String token = attest(provider, (RSAPublicKey) transfer.getPublic());
    URI uri = URI.create(base + "/keys/" + name + version.map(v -> "/" + v).orElse("") + "/release?api-version=" + apiVersion);
    String body = JsonBuilder.object().put("target", token).put("enc", wrap.name()).toString();
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    try {
      bearer.get().ifPresent(t -> rb.header("Authorization", "Bearer " + t));
    } catch (TokenFileException e) {
      throw new SecretException(SecretException.Reason.UNAUTHORIZED, e.getMessage(), e.getCause());
    }
    byte[] answer = send(rb.build());
    return verifyAndUnwrap(answer, name, version, (RSAPrivateKey) transfer.getPrivate(), uri);
  }

  private KeyPair transferKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(transferKeyBits, random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA key generation is not available: " + e.getMessage(), e);
    }
  }

  /** Returns the runtime data that binds {@code transferKey}: {@code {"keys":[RSA JWK, key_ops encrypt]}}. */
  static String runtimeData(RSAPublicKey transferKey) {
    try {
      // spec: key-broker reference §1.5 — the first RSA key in x-ms-runtime.keys usable for encryption
      // is the transfer key; kid is not matched (the JWK thumbprint, as the sidecar sends).
      RSAKey jwk = new RSAKey.Builder(transferKey).keyOperations(Set.of(KeyOperation.ENCRYPT)).keyIDFromThumbprint().build();
      return "{\"keys\":[" + jwk.toJSONString() + "]}";
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot compute the JWK thumbprint: " + e.getMessage(), e);
    }
  }

  private String attest(QuoteProvider provider, RSAPublicKey transferKey) throws SecretException {
    byte[] runtime = runtimeData(transferKey).getBytes(StandardCharsets.UTF_8);
    try {
      return attestation.attest(provider, runtime, RuntimeData.DataType.JSON).raw();
    } catch (QuoteProviderException e) {
      throw new SecretException(SecretException.Reason.QUOTE_FAILED, "no quote for the release: " + e.getMessage(), e);
    } catch (AttestationClientException e) {
      throw new SecretException(SecretException.Reason.ATTESTATION_FAILED, "attestation failed: " + e.getMessage(), e);
    }
  }

  private byte[] send(HttpRequest request) throws SecretException {
    CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request, info -> HttpSupport.boundedBody());
    HttpResponse<byte[]> response;
    try {
      // One absolute deadline for connecting, the headers and the whole (bounded) body.
      response = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new SecretException(SecretException.Reason.TRANSPORT, "the key broker at " + request.uri()
          + " did not answer completely within " + requestTimeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw new SecretException(SecretException.Reason.TRANSPORT, "request to the key broker at " + request.uri()
          + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new SecretException(SecretException.Reason.TRANSPORT, "interrupted while calling " + request.uri(), e);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return response.body();
    }
    throw error(status, response.body(), request.uri());
  }

  /** Maps a refusal in the Key Vault error shape to a reason; a policy denial names its claims. */
  static SecretException error(int status, byte[] body, URI uri) {
    String code = "";
    String message = null;
    try {
      if (Json.parseObject(new String(body, StandardCharsets.UTF_8)).get("error") instanceof JsonObject e) {
        code = Objects.requireNonNullElse(e.optString("code"), "");
        message = e.optString("message");
      }
    } catch (MalformedInputException e) {
      // Not the Key Vault error shape: show an excerpt below.
    }
    if (message == null) {
      message = body.length == 0 ? "(empty body)" : HttpSupport.excerpt(body);
    }
    List<String> claims = List.of();
    SecretException.Reason reason;
    switch (status) {
      case 400 -> reason = SecretException.Reason.BAD_REQUEST;
      case 401 -> reason = SecretException.Reason.UNAUTHORIZED;
      case 403 -> {
        if (message.toLowerCase(Locale.ROOT).contains("policy not satisfied")) {
          reason = SecretException.Reason.DENIED;
          claims = failedClaims(message);
        } else {
          reason = SecretException.Reason.FORBIDDEN;
        }
      }
      case 404 -> reason = SecretException.Reason.NOT_FOUND;
      case 429, 502, 503, 504 -> reason = SecretException.Reason.UNAVAILABLE;
      default -> reason = SecretException.Reason.TRANSPORT;
    }
    String text = "the key broker at " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath()
        + " answered HTTP " + status + (code.isEmpty() ? "" : " " + code) + ": " + HttpSupport.excerpt(
            message.getBytes(StandardCharsets.UTF_8));
    return new SecretException(reason, status, claims, text, null);
  }

  /**
   * Returns the claim names of a denial: {@code "… (claims: a, b)"} (what callers see) or {@code
   * "…: a: detail; b: detail"} (what administrators see).
   */
  static List<String> failedClaims(String message) {
    List<String> out = new ArrayList<>();
    Matcher m = CLAIMS.matcher(message);
    if (m.find()) {
      for (String c : m.group(1).split(",")) {
        if (!c.isBlank()) {
          out.add(c.strip());
        }
      }
      return out;
    }
    int colon = message.indexOf(": ");
    if (colon >= 0) {
      for (String part : message.substring(colon + 2).split("; ")) {
        int c = part.indexOf(':');
        if (c > 0) {
          out.add(part.substring(0, c).strip());
        }
      }
    }
    return out;
  }

  ReleasedKey verifyAndUnwrap(byte[] answer, String name, Optional<String> version, RSAPrivateKey transfer, URI uri)
      throws SecretException {
    try {
      String jwsText = Json.parseObject(new String(answer, StandardCharsets.UTF_8)).string("value");
      JWSObject jws = JWSObject.parse(jwsText);
      // spec: key-broker reference §1.3 — the result is signed by the x5c leaf (RS256 at Key Vault);
      // no "none", no HMAC, no key from any other header.
      if (!ALGORITHMS.contains(jws.getHeader().getAlgorithm())) {
        throw bad("the release result is signed with " + jws.getHeader().getAlgorithm() + "; only RSA signatures are accepted");
      }
      List<Base64> x5c = jws.getHeader().getX509CertChain();
      if (x5c == null || x5c.isEmpty() || x5c.size() > SignerTrust.MAX_CHAIN) {
        throw bad("the release result must carry its signing certificate chain (x5c, 1-" + SignerTrust.MAX_CHAIN + " certificates)");
      }
      List<X509Certificate> chain = new ArrayList<>();
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (Base64 c : x5c) {
        chain.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(c.decode())));
      }
      trust.check(chain, clock.instant());
      if (!(chain.get(0).getPublicKey() instanceof RSAPublicKey signer) || signer.getModulus().bitLength() < 2048) {
        throw bad("the release result's signing key must be RSA of at least 2048 bits");
      }
      if (!jws.verify(new RSASSAVerifier(signer))) {
        throw bad("the release result's signature does not verify");
      }
      JsonObject payload = Json.parseObject(jws.getPayload().toString());
      JsonObject request = payload.object("request");
      // The result must be for the key asked for (a broker answering with another key is refused).
      String kid = request.string("kid");
      checkKid(kid, name, version);
      String enc = request.optString("enc");
      KeyWrapAlgorithm alg = enc == null ? wrap : KeyWrapAlgorithm.fromWire(enc)
          .orElseThrow(() -> bad("the release result names an unknown enc"));
      if (alg != wrap) {
        throw bad("the release result is wrapped with " + alg + ", not the " + wrap + " asked for");
      }
      JsonObject key = payload.object("response").object("key").object("key");
      String kty = key.string("kty");
      List<String> ops = new ArrayList<>();
      if (key.get("key_ops") instanceof JsonValue.JsonArray a) {
        for (JsonValue v : a.elements()) {
          if (v instanceof JsonString s) {
            ops.add(s.value());
          }
        }
      }
      // spec: key_hsm = base64url(JSON {schema_version, header, ciphertext}); clients read only ciphertext.
      JsonObject keyHsm = Json.parseObject(new String(b64url(key.string("key_hsm")), StandardCharsets.UTF_8));
      byte[] blob = b64url(keyHsm.string("ciphertext"));
      byte[] material = RsaAesUnwrap.unwrap(transfer, wrap, blob);
      try {
        return ReleasedKey.decode(key.optString("kid") != null ? key.optString("kid") : kid, kty, ops, material);
      } finally {
        Arrays.fill(material, (byte) 0);
      }
    } catch (MalformedInputException | ParseException | RuntimeException e) {
      // Unchecked exceptions from the JOSE and certificate parsers on hostile input are "malformed" too.
      throw new SecretException(SecretException.Reason.BAD_RESPONSE,
          "the key broker at " + uri.getRawAuthority() + " answered with a malformed release result: " + e.getMessage(), e);
    } catch (GeneralSecurityException | JOSEException e) {
      throw new SecretException(SecretException.Reason.BAD_RESPONSE,
          "the release result cannot be verified: " + e.getMessage(), e);
    }
  }

  private static void checkKid(String kid, String name, Optional<String> version) throws SecretException {
    String path;
    try {
      path = URI.create(kid).getRawPath();
    } catch (IllegalArgumentException e) {
      throw bad("the release result's kid is not a URL");
    }
    String[] seg = path == null ? new String[0] : path.split("/");
    // "/keys/{name}/{version}": ["", "keys", name, version]
    boolean ok;
    if (seg.length >= 4 && seg[seg.length - 3].equals("keys")) {
      ok = seg[seg.length - 2].equals(name) && version.map(v -> v.equals(seg[seg.length - 1])).orElse(true);
    } else if (seg.length >= 3 && seg[seg.length - 2].equals("keys")) {
      ok = seg[seg.length - 1].equals(name) && version.isEmpty();
    } else {
      ok = false;
    }
    if (!ok) {
      throw bad("the release result is for " + kid + ", not for the key '" + name + "'" + version.map(v -> " version " + v).orElse(""));
    }
  }

  private static byte[] b64url(String s) {
    return java.util.Base64.getUrlDecoder().decode(s.replace("=", ""));
  }

  private static SecretException bad(String message) {
    return new SecretException(SecretException.Reason.BAD_RESPONSE, message, null);
  }

  /** Builder of a {@link SecretClient}; every setting has a safe default. */
  public static final class Builder {
    private final URI base;
    private final AttestationClient attestation;
    private final SignerTrust trust;
    private Supplier<Optional<String>> bearer = Optional::empty;
    private String apiVersion = DEFAULT_API_VERSION;
    private KeyWrapAlgorithm wrap = KeyWrapAlgorithm.RSA_AES_KEY_WRAP_256;
    private int transferKeyBits = 2048;
    private HttpClient http;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private SecureRandom random = new SecureRandom();
    private boolean allowHttp;

    private Builder(URI base, AttestationClient attestation, SignerTrust trust) {
      this.base = Objects.requireNonNull(base, "brokerUrl");
      this.attestation = Objects.requireNonNull(attestation, "attestation");
      this.trust = Objects.requireNonNull(trust, "trust");
    }

    /** Sends {@code Authorization: Bearer token} (an admin or release token of the broker's tenant). */
    public Builder bearerToken(String token) {
      String t = checkToken(token);
      this.bearer = () -> Optional.of(t);
      return this;
    }

    /**
     * Reads the bearer token from {@code file} before every release (a projected service-account
     * token, which the kubelet rotates); a file that cannot be read fails the release as {@code
     * UNAUTHORIZED}.
     */
    public Builder bearerTokenFile(Path file) {
      Objects.requireNonNull(file, "file");
      this.bearer = () -> {
        try {
          return Optional.of(checkToken(Files.readString(file, StandardCharsets.UTF_8).strip()));
        } catch (IOException | IllegalArgumentException e) {
          throw new TokenFileException(file, e);
        }
      };
      return this;
    }

    private static String checkToken(String token) {
      if (token == null || token.isEmpty() || token.length() > 16 * 1024 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("a bearer token is 1-16384 printable ASCII characters without spaces");
      }
      return token;
    }

    /** Sets the {@code api-version} (default {@value #DEFAULT_API_VERSION}; release needs 7.3 or later). */
    public Builder apiVersion(String v) {
      if (v == null || !v.matches("7\\.[3-9](-preview(\\.[0-9]+)?)?")) {
        throw new IllegalArgumentException("api-version must be 7.3 to 7.9, got " + v);
      }
      this.apiVersion = v;
      return this;
    }

    /** Sets how the key is wrapped to the transfer key (default {@link KeyWrapAlgorithm#RSA_AES_KEY_WRAP_256}). */
    public Builder keyWrap(KeyWrapAlgorithm a) {
      this.wrap = Objects.requireNonNull(a, "keyWrap");
      return this;
    }

    /** Sets the transfer key's size: 2048 (default), 3072 or 4096 bits. */
    public Builder transferKeyBits(int bits) {
      if (bits != 2048 && bits != 3072 && bits != 4096) {
        throw new IllegalArgumentException("transfer keys are RSA 2048, 3072 or 4096 bits, got " + bits);
      }
      this.transferKeyBits = bits;
      return this;
    }

    /** Uses {@code client} for the broker (TLS settings, proxies). */
    public Builder httpClient(HttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Sets the absolute deadline of the release request, connection and whole body included (default 30 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = HttpSupport.positive(d, "requestTimeout");
      return this;
    }

    /** Sets the clock at which signing certificates must be valid. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Sets the randomness for transfer keys (default a new {@link SecureRandom}). */
    public Builder random(SecureRandom r) {
      this.random = Objects.requireNonNull(r, "random");
      return this;
    }

    /** DANGEROUS: allows a plain-http broker URL (local tests); the bearer token and the token travel unprotected. */
    public Builder insecureAllowPlainHttp() {
      this.allowHttp = true;
      return this;
    }

    /**
     * Returns the client.
     *
     * @throws IllegalArgumentException when the broker URL is not https (or http with the insecure option)
     */
    public SecretClient build() {
      HttpSupport.checkBaseUri(base, allowHttp, "the key broker URL");
      return new SecretClient(this);
    }
  }

  /** A bearer-token file that could not be read, reported by {@link #release} as UNAUTHORIZED. */
  private static final class TokenFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokenFileException(Path file, Exception cause) {
      super("cannot read the bearer token file " + file + ": " + cause.getMessage(), cause);
    }
  }
}
