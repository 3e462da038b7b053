package io.kubesgx.keybroker.kbs;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.keybroker.kbs.KbsException.Variant;
import io.kubesgx.keybroker.kbs.KbsSessions.Attested;
import io.kubesgx.keybroker.kbs.KbsSessions.Session;
import io.kubesgx.keybroker.policy.PolicyDecision;
import io.kubesgx.keybroker.policy.QuoteClaims;
import io.kubesgx.keybroker.policy.VerifiedClaims;
import io.kubesgx.keybroker.secrets.SecretVersion;
import io.kubesgx.keybroker.secrets.SecretsService;
import io.kubesgx.keybroker.store.AuditEntry;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.SecretStore;
import io.kubesgx.keybroker.store.StoreException;
import io.kubesgx.verifier.VerifiedQuote;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The Trustee KBS protocol (RCAR 0.4.0) of one broker, independent of HTTP transport: {@code POST
 * /auth}, {@code POST /attest}, {@code GET /resource/<repo>/<type>/<tag>} (paths relative to {@code
 * /kbs/v0}). Resources are the tenant's secrets that carry the KBS resource path; a resource is
 * released only to a session whose SGX quote verified, whose REPORTDATA binds the session's nonce and
 * the enclave's key, and whose claims satisfy the secret's release policy. Attests, releases and
 * denials go into the broker's audit chain.
 *
 * <pre>{@code
 * KbsService kbs = new KbsService(secrets, keyStore, verifier, sessions, signer::sign, authority, clock, random);
 * KbsService.Response r = kbs.handle("default", new KbsService.Request("POST", "/auth", null, null, body, true));
 * }</pre>
 */
public final class KbsService {
  private static final Logger LOG = Logger.getLogger(KbsService.class.getName());
  /** The only protocol version accepted (Trustee matches it exactly). */
  public static final String PROTOCOL_VERSION = "0.4.0";
  /** The session cookie's name. */
  public static final String COOKIE = "kbs-session-id";
  private static final String JSON = "application/json";

  /** Signs a token payload (compact JWS). */
  @FunctionalInterface
  public interface TokenSigner {
    /** Returns the compact JWS of {@code payloadJson}. */
    String sign(String payloadJson);
  }

  /**
   * One KBS request.
   *
   * @param method HTTP method
   * @param path the path below {@code /kbs/v0} ({@code /auth}, {@code /attest}, {@code /resource/…})
   * @param cookie the {@code Cookie} header, or null
   * @param authorization the {@code Authorization} header, or null
   * @param body the request body
   * @param tls whether the request came over TLS (the cookie is then {@code Secure; HttpOnly})
   */
  public record Request(String method, String path, String cookie, String authorization, byte[] body, boolean tls) {}

  /**
   * One answer.
   *
   * @param status HTTP status
   * @param body body bytes
   * @param headers headers ({@code Content-Type}, {@code Set-Cookie}, {@code Retry-After})
   */
  public record Response(int status, byte[] body, Map<String, String> headers) {
    /** Copies the headers. */
    public Response {
      headers = Map.copyOf(headers);
    }
  }

  private final SecretStore secrets;
  private final KeyStore audit;
  private final SgxEvidenceVerifier verifier;
  private final KbsSessions sessions;
  private final TokenSigner signer;
  private final String authority;
  private final Clock clock;
  private final SecureRandom random;

  /**
   * Creates the service.
   *
   * @param audit the store whose audit chain records attests, releases and denials
   * @param authority the {@code authority} (issuer) the claims of quotes verified here carry: a
   *     release policy must name it (e.g. the broker's {@code <url>/kbs/v0}, or the attestation
   *     service's URL to let one policy govern both paths)
   */
  public KbsService(SecretStore secrets, KeyStore audit, SgxEvidenceVerifier verifier, KbsSessions sessions, TokenSigner signer,
      String authority, Clock clock, SecureRandom random) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.authority = Objects.requireNonNull(authority, "authority");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Returns the authority the claims of quotes verified here carry. */
  public String authority() {
    return authority;
  }

  /** Serves one KBS request for {@code tenant}. */
  public Response handle(String tenant, Request r) {
    try {
      String p = r.path() == null ? "" : r.path();
      if (p.equals("/auth")) {
        requireMethod(r, "POST");
        return auth(tenant, r);
      }
      if (p.equals("/attest")) {
        requireMethod(r, "POST");
        return attest(tenant, r);
      }
      if (p.startsWith("/resource/")) {
        String resource = p.substring("/resource/".length());
        if (!SecretsService.isKbsResourcePath(resource)) {
          throw new KbsException(Variant.InvalidRequestPath, "resource paths are /kbs/v0/resource/<repo>/<type>/<tag>, each part "
              + "of A-Z, a-z, 0-9, '_', '-' (then also '.')");
        }
        if (!r.method().equals("GET")) {
          throw new KbsException(Variant.PluginNotFound, r.method() + " on a resource is not served here; set the secret with "
              + "PUT /secrets/{name} and \"" + SecretsService.KBS_RESOURCE_FIELD + "\":\"" + resource + "\" instead");
        }
        return resource(tenant, resource, r);
      }
      throw new KbsException(Variant.PluginNotFound, "no plugin at /kbs/v0" + p + "; this KBS serves auth, attest and resource");
    } catch (KbsException e) {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Content-Type", JSON);
      if (e.variant() == Variant.ServiceUnavailable) {
        h.put("Retry-After", "1");
      }
      return new Response(e.variant().httpStatus(), e.document().getBytes(StandardCharsets.UTF_8), h);
    }
  }

  private static void requireMethod(Request r, String m) throws KbsException {
    if (!m.equals(r.method())) {
      throw new KbsException(Variant.PluginNotFound, "use " + m + " for " + r.path());
    }
  }

  // ---------------------------------------------------------------- auth

  private Response auth(String tenant, Request r) throws KbsException {
    KbsMessages.AuthRequest a;
    try {
      a = KbsMessages.parseAuth(r.body());
    } catch (MalformedInputException e) {
      throw new KbsException(Variant.AttestationError, "RCAR handshake Auth failed: " + e.getMessage());
    }
    if (!PROTOCOL_VERSION.equals(a.version())) {
      throw new KbsException(Variant.AttestationError, "RCAR handshake Auth failed: KBS Client Protocol Version Mismatch: expect ="
          + PROTOCOL_VERSION + " while the request is " + a.version());
    }
    if (!"sgx".equals(a.tee())) {
      throw new KbsException(Variant.AttestationError, "RCAR handshake Auth failed: tee '" + a.tee()
          + "' is not supported; this KBS verifies sgx (DCAP quotes)");
    }
    Session s = sessions.open(tenant).orElseThrow(() -> new KbsException(Variant.ServiceUnavailable,
        "too many open KBS sessions; retry in a second"));
    String body = "{\"nonce\":\"" + s.nonce() + "\",\"extra-params\":\"\"}";
    return ok(body, s, r.tls());
  }

  // ---------------------------------------------------------------- attest

  private Response attest(String tenant, Request r) throws KbsException {
    Session s = session(tenant, r, Variant.AttestationError);
    if (s.attested().isPresent()) {
      // Trustee: a repeated attest on an attested session returns the same token without re-verifying.
      return ok("{\"token\":\"" + s.attested().get().token() + "\"}", s, r.tls());
    }
    KbsMessages.AttestRequest a;
    try {
      a = KbsMessages.parseAttest(r.body());
    } catch (MalformedInputException e) {
      sessions.remove(s);
      throw new KbsException(Variant.AttestationError, "RCAR handshake Attest failed: " + e.getMessage());
    }
    try {
      // spec: the runtime-data nonce must be the session's challenge; each nonce serves one attest only.
      if (!MessageDigest.isEqual(a.nonce().getBytes(StandardCharsets.UTF_8), s.nonce().getBytes(StandardCharsets.UTF_8))) {
        throw denied(tenant, "kbs-attest", "", "nonce mismatch: runtime-data.nonce is not this session's challenge (replayed or foreign)");
      }
      if (a.initData()) {
        throw denied(tenant, "kbs-attest", "", "init-data is not supported by this KBS; send null");
      }
      if (!a.additionalEvidence().isEmpty()) {
        throw denied(tenant, "kbs-attest", "", "additional (device) evidence is not supported by this KBS; send \"\"");
      }
      VerifiedQuote q;
      try {
        q = verifier.verify(a.quote());
      } catch (KbsException e) {
        if (e.variant() == Variant.AttestationError) {
          throw denied(tenant, "kbs-attest", "", e.getMessage());
        }
        throw e;
      }
      // spec: REPORTDATA = SHA-384(JCS({"additional-evidence","nonce","tee-pubkey"})) ‖ 16 zero bytes.
      byte[] expected = RuntimeDataBinding.expectedReportData(a.nonce(), a.teePubKey().jwk(), a.additionalEvidence());
      byte[] actual = q.reportData().toByteArray();
      if (!MessageDigest.isEqual(expected, actual)) {
        throw denied(tenant, "kbs-attest", "", "REPORTDATA does not bind this nonce and tee-pubkey: expected SHA-384(JCS("
            + "{additional-evidence, nonce, tee-pubkey})) = " + HexFormat.of().formatHex(expected, 0, 48) + " followed by 16 zero bytes");
      }
      if (q.enclaveReport().isEmpty()) {
        throw denied(tenant, "kbs-attest", "", "the evidence is a " + q.teeType() + " quote; tee sgx needs an SGX enclave quote");
      }
      VerifiedClaims claims = QuoteClaims.of(authority, q);
      String token = token(s, a.teePubKey(), claims);
      if (!sessions.attest(s, new Attested(token, a.teePubKey(), claims))) {
        throw new KbsException(Variant.AttestationError, "the session was attested or ended concurrently; start again with auth");
      }
      record(new AuditEntry(tenant, "kbs", "kbs-attest", "", "", null, authority, "ok", "tenant " + tenant + ", mrsigner "
          + claims.claim("x-ms-sgx-mrsigner") + ", mrenclave " + claims.claim("x-ms-sgx-mrenclave") + ", svn "
          + claims.claim("x-ms-sgx-svn") + ", debug " + claims.claim("x-ms-sgx-is-debuggable") + ", tcb "
          + claims.claim("x-kubesgx-tcb-status")));
      Session attested = sessions.get(s.id()).orElse(s);
      return ok("{\"token\":\"" + token + "\"}", attested, r.tls());
    } catch (KbsException e) {
      sessions.remove(s); // the nonce is spent: a failed attest needs a new auth
      throw e;
    }
  }

  private String token(Session s, TeePubKey key, VerifiedClaims claims) {
    Map<String, Object> payload = new LinkedHashMap<>(claims.all());
    Instant now = clock.instant();
    payload.put("iss", authority);
    payload.put("iat", now.getEpochSecond());
    payload.put("nbf", now.getEpochSecond());
    payload.put("exp", s.expires().getEpochSecond()); // the token lives exactly as long as its session
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    payload.put("jti", HexFormat.of().formatHex(jti));
    try {
      payload.put("tee-pubkey", JSONObjectUtils.parse(Json.write(key.jwk())));
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("our own JSON did not parse", e);
    }
    return signer.sign(JSONObjectUtils.toJSONString(payload));
  }

  // ---------------------------------------------------------------- resource

  private Response resource(String tenant, String path, Request r) throws KbsException {
    Session s = attestedSession(tenant, r);
    Attested a = s.attested().orElseThrow();
    Optional<SecretVersion> secret;
    try {
      Optional<String> name = secrets.nameForKbsResource(tenant, path);
      secret = name.isEmpty() ? Optional.empty() : secrets.get(tenant, name.get(), Optional.empty());
    } catch (StoreException e) {
      LOG.warning("KBS resource lookup failed: " + e.getMessage());
      throw new KbsException(Variant.ServiceUnavailable, "the secret store is unavailable; retry later");
    }
    if (secret.isEmpty()) {
      throw denied(tenant, "kbs-release", path, a, "resource not found", "resource not found: " + path);
    }
    SecretVersion v = secret.get();
    String unusable = v.attributes().unusableReason(clock.instant());
    if (unusable != null) {
      throw denied(tenant, "kbs-release", v.name() + "@" + v.version(), a, unusable, "release refused: " + unusable);
    }
    if (v.releasePolicy().isEmpty()) {
      throw denied(tenant, "kbs-release", v.name() + "@" + v.version(), a, "the secret has no release policy",
          "release refused: the secret has no release policy");
    }
    PolicyDecision d = v.releasePolicy().get().policy().evaluate(a.claims());
    if (!d.allowed()) {
      throw denied(tenant, "kbs-release", v.name() + "@" + v.version(), a, "policy not satisfied: " + d.adminDetail(),
          "release policy not satisfied (claims: " + d.callerDetail() + ")");
    }
    byte[] value = v.copyValue();
    String jwe;
    try {
      jwe = ResourceJwe.encrypt(value, a.teePubKey(), random);
    } finally {
      Arrays.fill(value, (byte) 0);
    }
    // Audit before answering: a release that cannot be recorded does not happen.
    record(new AuditEntry(tenant, "kbs", "kbs-release", v.name(), v.version(), a.claims().jti().orElse(null), authority, "ok",
        "tenant " + tenant + ", resource " + path + ", mrsigner " + a.claims().claim("x-ms-sgx-mrsigner")));
    return new Response(200, jwe.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", JSON));
  }

  private Session attestedSession(String tenant, Request r) throws KbsException {
    String id = cookie(r.cookie());
    if (id != null) {
      Optional<Session> s = sessions.get(id).filter(x -> x.tenant().equals(tenant) && x.attested().isPresent());
      if (s.isPresent()) {
        return s.get();
      }
    }
    String authz = r.authorization();
    if (authz != null && authz.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = authz.substring(7).trim();
      return sessions.byToken(token).filter(x -> x.tenant().equals(tenant)).orElseThrow(() -> new KbsException(
          Variant.TokenVerifierError, "the bearer token was not issued by this KBS, or its session expired; attest again"));
    }
    throw new KbsException(Variant.TokenNotFound, id == null
        ? "no attested session: send the kbs-session-id cookie of an attested session or its token as Bearer"
        : "the session is not attested or has expired; run auth and attest again");
  }

  private Session session(String tenant, Request r, Variant v) throws KbsException {
    String id = cookie(r.cookie());
    if (id == null) {
      throw new KbsException(v, "no kbs-session-id cookie: POST /kbs/v0/auth first");
    }
    return sessions.get(id).filter(s -> s.tenant().equals(tenant)).orElseThrow(() -> new KbsException(v,
        "the KBS session is unknown or has expired (sessions last " + sessions.lifetime().toMinutes()
            + " minutes and one attest); POST /kbs/v0/auth again"));
  }

  /** Returns the {@code kbs-session-id} value of a Cookie header (32 lowercase hex), or null. */
  static String cookie(String header) {
    if (header == null || header.length() > 8192) {
      return null;
    }
    for (String part : header.split(";")) {
      String p = part.trim();
      if (p.startsWith(COOKIE + "=")) {
        String v = p.substring(COOKIE.length() + 1);
        return v.matches("[0-9a-f]{32}") ? v : null;
      }
    }
    return null;
  }

  private Response ok(String json, Session s, boolean tls) {
    String cookie = COOKIE + "=" + s.id() + "; Expires="
        + DateTimeFormatter.RFC_1123_DATE_TIME.format(s.expires().atOffset(ZoneOffset.UTC)) + (tls ? "; Secure; HttpOnly" : "");
    return new Response(200, json.getBytes(StandardCharsets.UTF_8), Map.of("Content-Type", JSON, "Set-Cookie", cookie));
  }

  private KbsException denied(String tenant, String action, String what, String why) throws KbsException {
    recordDenial(new AuditEntry(tenant, "kbs", action, what, "", null, authority, "denied", "tenant " + tenant + ", " + why));
    return new KbsException(Variant.AttestationError, why);
  }

  private KbsException denied(String tenant, String action, String what, Attested a, String adminWhy, String callerWhy)
      throws KbsException {
    String name = what.contains("@") ? what.substring(0, what.indexOf('@')) : what;
    String version = what.contains("@") ? what.substring(what.indexOf('@') + 1) : "";
    recordDenial(new AuditEntry(tenant, "kbs", action, name, version, a.claims().jti().orElse(null), authority, "denied",
        "tenant " + tenant + ", " + adminWhy));
    Variant v = callerWhy.startsWith("resource not found") ? Variant.PluginInternalError : Variant.PolicyDeny;
    return new KbsException(v, callerWhy);
  }

  private void recordDenial(AuditEntry e) {
    try {
      audit.audit(e);
    } catch (StoreException ex) {
      LOG.warning("could not audit a KBS denial: " + ex.getMessage()); // the request is denied anyway
    }
  }

  private void record(AuditEntry e) throws KbsException {
    try {
      audit.audit(e);
    } catch (StoreException ex) {
      LOG.warning("could not audit a KBS " + e.action() + ": " + ex.getMessage());
      throw new KbsException(Variant.ServiceUnavailable, "the audit log is unavailable; retry later");
    }
  }
}
