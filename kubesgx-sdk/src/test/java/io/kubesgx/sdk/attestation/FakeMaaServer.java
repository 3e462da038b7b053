package io.kubesgx.sdk.attestation;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake MAA-compatible attestation service on 127.0.0.1: OpenID metadata, a JWKS, and {@code
 * /attest/SgxEnclave} and {@code /attest/OpenEnclave} that check the request shape and the
 * runtime-data binding as MAA does, then return a token signed with the current signing key.
 * Scripted answers can be queued to model errors and throttling.
 */
final class FakeMaaServer implements AutoCloseable {
  /** A scripted answer. */
  record Answer(int status, Map<String, String> headers, String body) {}

  /** One received attestation request. */
  record Request(String method, String path, String query, String contentType, String body) {}

  private final HttpServer server;
  private final Clock clock;
  private final String issuer;
  private final ConcurrentLinkedQueue<Answer> scripted = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Answer> scriptedMetadata = new ConcurrentLinkedQueue<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger discoveryCount = new AtomicInteger();
  final AtomicInteger jwksCount = new AtomicInteger();
  volatile JWKSet jwks;
  /** Spaces appended to the JWKS body (to test body limits). */
  volatile int jwksPadding;
  volatile JWK signingKey;
  volatile String metadataIssuer;
  volatile List<String> algorithms = List.of("RS256", "ES256");

  FakeMaaServer(Clock clock, JWK signingKey, JWK... published) throws IOException {
    this.clock = clock;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.issuer = "http://127.0.0.1:" + server.getAddress().getPort();
    this.metadataIssuer = issuer;
    this.signingKey = signingKey;
    this.jwks = new JWKSet(Arrays.asList(published));
    server.createContext("/.well-known/openid-configuration", this::discovery);
    server.createContext("/certs", this::certs);
    server.createContext("/attest/", this::attest);
    server.start();
  }

  String issuer() {
    return issuer;
  }

  void enqueue(int status, Map<String, String> headers, String body) {
    scripted.add(new Answer(status, headers, body));
  }

  void enqueueMetadata(int status, String body) {
    scriptedMetadata.add(new Answer(status, Map.of(), body));
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void discovery(HttpExchange ex) throws IOException {
    discoveryCount.incrementAndGet();
    Answer a = scriptedMetadata.poll();
    if (a != null) {
      send(ex, a.status(), a.headers(), a.body());
      return;
    }
    send(ex, 200, Map.of(), JsonBuilder.object()
        .put("issuer", metadataIssuer)
        .put("jwks_uri", issuer + "/certs")
        .putStrings("id_token_signing_alg_values_supported", algorithms)
        .putStrings("response_types_supported", List.of("token"))
        .toString());
  }

  private void certs(HttpExchange ex) throws IOException {
    jwksCount.incrementAndGet();
    send(ex, 200, Map.of(), jwks.toPublicJWKSet().toString() + " ".repeat(jwksPadding));
  }

  private void attest(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(),
        ex.getRequestHeaders().getFirst("Content-Type"), body));
    Answer a = scripted.poll();
    if (a != null) {
      send(ex, a.status(), a.headers(), a.body());
      return;
    }
    try {
      send(ex, 200, Map.of(), JsonBuilder.object().put("token", mint(ex.getRequestURI().getPath(), body)).toString());
    } catch (BadRequest e) {
      send(ex, 400, Map.of(), error("InvalidParameter", e.getMessage()));
    } catch (JOSEException | NoSuchAlgorithmException | RuntimeException e) {
      send(ex, 500, Map.of(), error("InternalError", e.toString()));
    }
  }

  static String error(String code, String message) {
    return JsonBuilder.object().put("error", JsonBuilder.object().put("code", code).put("message", message).build())
        .toString();
  }

  /** Checks an attestation request as MAA does and returns its token. */
  private String mint(String path, String body) throws BadRequest, JOSEException, NoSuchAlgorithmException {
    JsonObject req;
    String field = path.endsWith("/OpenEnclave") ? "report" : "quote";
    byte[] evidence;
    byte[] runtime;
    String dataType;
    JsonObject runtimeData;
    try {
      req = Json.parseObject(body);
      for (String k : req.members().keySet()) {
        if (!List.of(field, "runtimeData", "initTimeData", "nonce", "draftPolicyForAttestation").contains(k)) {
          throw new BadRequest("unexpected field " + k);
        }
      }
      evidence = base64url(req.string(field));
      runtimeData = req.object("runtimeData");
      runtime = base64url(runtimeData.string("data"));
      dataType = runtimeData.string("dataType");
      if (req.has("initTimeData")) {
        base64url(req.object("initTimeData").string("data"));
      }
    } catch (MalformedInputException e) {
      throw new BadRequest(e.getMessage());
    }
    if (!dataType.equals("Binary") && !dataType.equals("JSON")) {
      throw new BadRequest("dataType must be Binary or JSON");
    }
    byte[] quote = field.equals("report") ? Arrays.copyOfRange(evidence, 16, evidence.length) : evidence;
    // MAA's binding rule: the first 32 bytes of REPORTDATA are SHA-256 of the runtime data.
    if (quote.length < 432) {
      throw new BadRequest("quote too short");
    }
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(runtime);
    if (!Arrays.equals(hash, Arrays.copyOfRange(quote, 368, 400))) {
      throw new BadRequest("runtime data hash does not match REPORTDATA");
    }
    Instant now = clock.instant();
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(8))))
        .claim("x-ms-attestation-type", "sgx")
        .claim("x-ms-sgx-report-data", hex(Arrays.copyOfRange(quote, 368, 432)));
    if (dataType.equals("Binary")) {
      claims.claim("x-ms-sgx-ehd", Base64.getUrlEncoder().withoutPadding().encodeToString(runtime));
    } else {
      try {
        claims.claim("x-ms-runtime",
            com.nimbusds.jose.util.JSONObjectUtils.parse(new String(runtime, StandardCharsets.UTF_8), 64 * 1024));
      } catch (java.text.ParseException e) {
        throw new BadRequest("runtime data of type JSON is not a JSON object");
      }
    }
    try {
      String nonce = req.optString("nonce");
      if (nonce != null) {
        claims.claim("nonce", nonce);
      }
      if (req.optString("draftPolicyForAttestation") != null) {
        return new PlainJWT(claims.build()).serialize(); // MAA: draft-policy tokens are unsigned
      }
    } catch (MalformedInputException e) {
      throw new BadRequest(e.getMessage());
    }
    return sign(signingKey, claims.build());
  }

  /** Signs {@code claims} with {@code key} (RS256 for RSA keys, ES256 for EC keys), naming its kid. */
  static String sign(JWK key, JWTClaimsSet claims) throws JOSEException {
    JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
    JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static byte[] base64url(String s) throws BadRequest {
    if (s.contains("=") || s.contains("+") || s.contains("/")) {
      throw new BadRequest("not unpadded base64url: " + s);
    }
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("not base64url");
    }
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }

  private static void send(HttpExchange ex, int status, Map<String, String> headers, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    if (!headers.containsKey("Content-Type")) {
      ex.getResponseHeaders().add("Content-Type", "application/json");
    }
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  /** A request MAA would answer with 400. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** Returns the test keys, generated once: two RSA keys (rotation) and one P-256 key. */
  static final class Keys {
    static final RSAKey RSA_1 = rsa("rsa-1");
    static final RSAKey RSA_2 = rsa("rsa-2");
    static final ECKey EC_1 = ec("ec-1");

    private Keys() {}

    private static RSAKey rsa(String kid) {
      try {
        return new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID(kid).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    private static ECKey ec(String kid) {
      try {
        return new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID(kid).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }
  }

}
