package io.kubesgx.keybroker.http;

import com.nimbusds.jose.jwk.JWK;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonBool;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonNumber;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.KeyBrokerException.Reason;
import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyReleasePolicy;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import io.kubesgx.keybroker.policy.PolicyDecision;
import io.kubesgx.keybroker.policy.ReleasePolicy;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import io.kubesgx.keybroker.policy.VerifiedClaims;
import io.kubesgx.keybroker.store.AuditEntry;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.StoreException;
import io.kubesgx.keybroker.tenant.Caller;
import io.kubesgx.keybroker.tenant.Role;
import io.kubesgx.keybroker.tenant.TenantPath;
import io.kubesgx.keybroker.wrap.KeyExportEncryption;
import io.kubesgx.keybroker.wrap.KeyWrapException;
import io.kubesgx.keybroker.wrap.RsaAesKeyWrap;
import io.kubesgx.keybroker.wrap.TransferKeys;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Key Vault key operations of every tenant, independent of HTTP: create, import, get, list
 * versions, update, delete and release ({@code api-version} 7.4–7.6), plus the release dry-run.
 * Each request acts only on its caller's tenant (keys, trusted issuers, audit entries). Callers with
 * the {@link Role#RELEASE} role may only release and dry-run. Every change, release, denial and
 * dry-run is written to the audit log; no key material, bearer token or target token is logged.
 */
public final class KeyVaultService {
  /** The {@code api-version} values served. */
  public static final Set<String> API_VERSIONS = Set.of("7.4", "7.5", "7.6");
  /** Most versions listed in one answer. */
  public static final int MAX_LIST = 25;
  /** Most tags per key (as Key Vault). */
  public static final int MAX_TAGS = 15;

  private static final Pattern NAME = Pattern.compile("[0-9a-zA-Z-]{1,127}");
  private static final Pattern VERSION = Pattern.compile("[0-9a-f]{32}");
  private static final String DRY_RUN = "dry-run";
  private static final Set<String> OPS = Set.of("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export");

  private final KeyStore store;
  private final Map<String, TargetTokenVerifier> targets;
  private final ReleaseSigner signer;
  private final String baseUrl;
  private final Clock clock;
  private final SecureRandom random;

  /**
   * Creates the service.
   *
   * @param targets each tenant's verifier of release targets (its trusted issuers)
   * @param baseUrl the vault URL put into {@code kid}s (no trailing slash)
   */
  public KeyVaultService(KeyStore store, Map<String, TargetTokenVerifier> targets, ReleaseSigner signer, String baseUrl,
      Clock clock, SecureRandom random) {
    this.store = store;
    this.targets = Map.copyOf(targets);
    this.signer = signer;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Serves one request of {@code caller}'s tenant. {@code path} is the path below the tenant prefix
   * ({@code /keys/…}, or {@code /dry-run}), {@code apiVersion} the query parameter.
   */
  public ApiResponse handle(String method, String path, String apiVersion, byte[] body, Caller caller) {
    try {
      if (apiVersion == null || !API_VERSIONS.contains(apiVersion)) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "The specified version (" + (apiVersion == null ? "none" : apiVersion)
            + ") is not recognized. Use api-version 7.4, 7.5 or 7.6.");
      }
      if (path.equals("/dry-run") && method.equals("POST")) {
        return dryRunPolicy(body(body), caller);
      }
      if (!path.startsWith("/keys/")) {
        throw new KeyBrokerException(Reason.NOT_FOUND, "no such operation: " + method + " " + path);
      }
      // Keep empty segments: the Java SDK sends /keys/{name}//release when no version is given.
      List<String> seg = List.of(path.substring("/keys/".length()).split("/", -1));
      String name = seg.get(0);
      checkName(name);
      switch (method) {
        case "POST":
          if (seg.size() == 2 && seg.get(1).equals("create")) {
            return create(name, body(body), caller);
          }
          if (seg.size() == 2 && seg.get(1).equals("release")) {
            return release(name, Optional.empty(), apiVersion, body(body), caller);
          }
          if (seg.size() == 3 && seg.get(2).equals("release")) {
            return release(name, version(seg.get(1)), apiVersion, body(body), caller);
          }
          if (seg.size() == 2 && seg.get(1).equals(DRY_RUN)) {
            return dryRunKey(name, Optional.empty(), body(body), caller);
          }
          if (seg.size() == 3 && seg.get(2).equals(DRY_RUN)) {
            return dryRunKey(name, version(seg.get(1)), body(body), caller);
          }
          break;
        case "PUT":
          if (seg.size() == 1) {
            return importKey(name, body(body), caller);
          }
          break;
        case "GET":
          if (seg.size() == 2 && seg.get(1).equals("versions")) {
            requireAdmin(caller);
            return listVersions(caller.tenant(), name);
          }
          if (seg.size() <= 2) {
            requireAdmin(caller);
            Optional<String> v = seg.size() == 2 ? version(seg.get(1)) : Optional.empty();
            return ApiResponse.json(200, Json.write(bundle(caller.tenant(), find(caller.tenant(), name, v))));
          }
          break;
        case "PATCH":
          if (seg.size() <= 2) {
            return update(name, seg.size() == 2 ? version(seg.get(1)) : Optional.empty(), body(body), caller);
          }
          break;
        case "DELETE":
          if (seg.size() == 1) {
            return delete(name, caller);
          }
          break;
        default:
          break;
      }
      throw new KeyBrokerException(Reason.NOT_FOUND, "no such operation: " + method + " " + path);
    } catch (KeyBrokerException e) {
      return ApiResponse.error(e, caller.admin());
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.UNKNOWN_KEK || e.reason() == StoreException.Reason.TAMPERED) {
        java.util.logging.Logger.getLogger(KeyVaultService.class.getName()).warning("key store: " + e.getMessage());
        return ApiResponse.error(503, "ServiceUnavailable", caller.admin() ? "the key store cannot open this key: " + e.getMessage()
            : "the key store cannot open this key; see the broker's log");
      }
      return ApiResponse.error(503, "ServiceUnavailable", "the key store is unavailable; retry later");
    }
  }

  // ---------------------------------------------------------------- operations

  private ApiResponse create(String name, JsonObject b, Caller caller) throws KeyBrokerException, StoreException {
    requireAdmin(caller);
    KeyType type = KeyType.parse(optString(b, "kty")).orElseThrow(() -> new KeyBrokerException(Reason.BAD_PARAMETER,
        "kty must be one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM"));
    Optional<Integer> size = b.has("key_size") && !(b.get("key_size") instanceof JsonNull)
        ? Optional.of((int) integer(b.get("key_size"), "key_size", 0, 1 << 16)) : Optional.empty();
    if (b.has("public_exponent") && !(b.get("public_exponent") instanceof JsonNull)) {
      long e = integer(b.get("public_exponent"), "public_exponent", 0, Long.MAX_VALUE);
      if (e != 0 && e != 65537) { // the Java SDK sends 0 for "default"
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "public_exponent must be 65537");
      }
    }
    Optional<String> crv = Optional.ofNullable(optString(b, "crv"));
    KeyMaterial material;
    try {
      material = KeyMaterial.generate(type.kind(), size, crv, random);
    } catch (IllegalArgumentException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, e.getMessage());
    }
    return addVersion(name, type, material, b, "create", caller);
  }

  private ApiResponse importKey(String name, JsonObject b, Caller caller) throws KeyBrokerException, StoreException {
    requireAdmin(caller);
    JsonValue key = b.get("key");
    if (!(key instanceof JsonObject ko)) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "key (a JSON Web Key) is required");
    }
    KeyType type = KeyType.parse(optString(ko, "kty")).orElseThrow(() -> new KeyBrokerException(Reason.BAD_PARAMETER,
        "key.kty must be one of RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM"));
    // Hsm (Java SDK) or hsm (sidecar): either case means the same.
    boolean hsm = type.hsm();
    for (Map.Entry<String, JsonValue> e : b.members().entrySet()) {
      if (e.getKey().equalsIgnoreCase("hsm") && e.getValue() instanceof JsonBool v) {
        hsm |= v.value();
      }
    }
    Map<String, Object> jwkMap = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> e : ko.members().entrySet()) {
      if (e.getKey().equals("key_ops") || e.getKey().equals("key_size") || e.getKey().equals("kid")) {
        continue;
      }
      if (e.getValue() instanceof JsonString s) {
        jwkMap.put(e.getKey(), e.getKey().equals("kty") ? type.kind().wire() : s.value());
      }
    }
    KeyMaterial material;
    try {
      material = KeyMaterial.fromJwk(type.kind(), JWK.parse(jwkMap));
    } catch (java.text.ParseException | IllegalArgumentException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "JSON Web Key: " + e.getMessage());
    }
    JsonObject withOps = b;
    if (!b.has("key_ops") && ko.has("key_ops")) {
      Map<String, JsonValue> m = new LinkedHashMap<>(b.members());
      m.put("key_ops", ko.get("key_ops"));
      withOps = new JsonObject(m);
    }
    return addVersion(name, new KeyType(type.kind(), hsm), material, withOps, "import", caller);
  }

  private ApiResponse addVersion(String name, KeyType type, KeyMaterial material, JsonObject b, String action, Caller caller)
      throws KeyBrokerException, StoreException {
    requireAdmin(caller);
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    JsonObject attrs = optObject(b, "attributes");
    boolean exportable = attrs != null && bool(attrs, "exportable", false);
    KeyAttributes a = new KeyAttributes(attrs == null || bool(attrs, "enabled", true), instant(attrs, "nbf"),
        instant(attrs, "exp"), exportable, now, now);
    Optional<KeyReleasePolicy> policy = releasePolicy(b.get("release_policy"));
    if (exportable && policy.isEmpty()) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "AKV.SKR.1004: Exportable keys must have release policy.");
    }
    if (!exportable && policy.isPresent()) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "AKV.SKR.1005: Non-exportable keys must not have release policy.");
    }
    Optional<KeyVersion> latest = store.get(caller.tenant(), name, Optional.empty());
    if (latest.isPresent() && latest.get().releasePolicy().map(KeyReleasePolicy::immutable).orElse(false)
        && !latest.get().releasePolicy().equals(policy)) {
      throw new KeyBrokerException(Reason.CONFLICT, "AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
    }
    List<String> ops = keyOps(b.get("key_ops")).orElse(type.kind().defaultOps());
    byte[] id = new byte[16];
    random.nextBytes(id);
    KeyVersion v = new KeyVersion(name, HexFormat.of().formatHex(id), type, ops, a, tags(b.get("tags")), policy, material);
    store.addVersion(caller.tenant(), v, new AuditEntry(caller.tenant(), caller.id(), action, name, v.version(), null, null, "ok",
        type.wire() + " " + material.size() + (exportable ? ", exportable" : "")));
    return ApiResponse.json(200, Json.write(bundle(caller.tenant(), v)));
  }

  private ApiResponse listVersions(String tenant, String name) throws KeyBrokerException, StoreException {
    List<KeyVersion> versions = store.versions(tenant, name, MAX_LIST);
    if (versions.isEmpty()) {
      throw notFound(name);
    }
    List<JsonValue> items = new ArrayList<>();
    for (KeyVersion v : versions) {
      items.add(JsonBuilder.object().put("kid", kid(tenant, v)).put("attributes", attributes(v.attributes()))
          .put("tags", tagsJson(v.tags())).build());
    }
    return ApiResponse.json(200, JsonBuilder.object().put("value", new JsonArray(items)).put("nextLink", new JsonNull()).toString());
  }

  private ApiResponse update(String name, Optional<String> version, JsonObject b, Caller caller)
      throws KeyBrokerException, StoreException {
    requireAdmin(caller);
    KeyVersion cur = find(caller.tenant(), name, version);
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    KeyAttributes ca = cur.attributes();
    JsonObject attrs = optObject(b, "attributes");
    boolean exportable = ca.exportable();
    if (attrs != null && attrs.has("exportable") && bool(attrs, "exportable", exportable) != exportable) {
      throw new KeyBrokerException(Reason.CONFLICT, "AKV.SKR.1003: The exportable attribute of an existing key cannot be changed.");
    }
    KeyAttributes a = new KeyAttributes(attrs != null && attrs.has("enabled") ? bool(attrs, "enabled", true) : ca.enabled(),
        attrs != null && attrs.has("nbf") ? instant(attrs, "nbf") : ca.notBefore(),
        attrs != null && attrs.has("exp") ? instant(attrs, "exp") : ca.expires(), exportable, ca.created(), now);
    Optional<KeyReleasePolicy> policy = cur.releasePolicy();
    if (b.has("release_policy") && !(b.get("release_policy") instanceof JsonNull)) {
      Optional<KeyReleasePolicy> next = releasePolicy(b.get("release_policy"));
      if (!exportable) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "AKV.SKR.1005: Non-exportable keys must not have release policy.");
      }
      if (policy.isPresent() && policy.get().immutable() && !policy.equals(next)) {
        throw new KeyBrokerException(Reason.CONFLICT, "AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
      }
      policy = next;
    }
    List<String> ops = b.has("key_ops") ? keyOps(b.get("key_ops")).orElse(cur.keyOps()) : cur.keyOps();
    Map<String, String> tags = b.has("tags") ? tags(b.get("tags")) : cur.tags();
    KeyVersion v = cur.withChanges(ops, a, tags, policy);
    try {
      store.update(caller.tenant(), v, new AuditEntry(caller.tenant(), caller.id(), "update", name, v.version(), null, null, "ok",
          "enabled=" + a.enabled() + (b.has("release_policy") ? ", release policy replaced" : "")));
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.CONFLICT) {
        throw notFound(name);
      }
      throw e;
    }
    return ApiResponse.json(200, Json.write(bundle(caller.tenant(), v)));
  }

  private ApiResponse delete(String name, Caller caller) throws KeyBrokerException, StoreException {
    requireAdmin(caller);
    KeyVersion latest = find(caller.tenant(), name, Optional.empty());
    if (!store.delete(caller.tenant(), name, new AuditEntry(caller.tenant(), caller.id(), "delete", name, null, null, null, "ok", "all versions deleted"))) {
      throw notFound(name);
    }
    Map<String, JsonValue> m = new LinkedHashMap<>(bundle(caller.tenant(), latest).members());
    m.put("deletedDate", new JsonNumber(Long.toString(clock.instant().getEpochSecond())));
    return ApiResponse.json(200, Json.write(new JsonObject(m)));
  }

  private ApiResponse release(String name, Optional<String> version, String apiVersion, JsonObject b, Caller caller)
      throws KeyBrokerException, StoreException {
    String target = target(b);
    String encName = optString(b, "enc");
    KeyExportEncryption enc = encName == null ? KeyExportEncryption.CKM_RSA_AES_KEY_WRAP
        : KeyExportEncryption.fromWire(encName).orElseThrow(() -> new KeyBrokerException(Reason.BAD_PARAMETER,
            "enc must be CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256 or RSA_AES_KEY_WRAP_384"));
    String nonce = optString(b, "nonce");
    if (nonce != null && nonce.length() > 1024) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "nonce is longer than 1024 characters");
    }
    KeyVersion v = find(caller.tenant(), name, version);
    Check c = check(caller.tenant(), Optional.of(v), v.releasePolicy().map(KeyReleasePolicy::policy), target);
    if (c.refusal() != null) {
      audit(caller, "release", v.name(), v.version(), c.claims(), "denied", c.refusal().getMessage());
      throw c.refusal();
    }
    VerifiedClaims claims = c.claims();
    byte[] blob;
    byte[] secret = v.material().exportBytes();
    try {
      blob = RsaAesKeyWrap.wrap(c.transfer(), enc, secret, random);
    } catch (KeyWrapException e) {
      audit(caller, "release", v.name(), v.version(), claims, "denied", e.getMessage());
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "release refused: " + e.getMessage());
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    String kid = kid(caller.tenant(), v);
    String keyHsm = b64url(JsonBuilder.object()
        .put("schema_version", "1.0")
        .put("header", JsonBuilder.object().put("kid", "TransferKey").put("alg", "dir").put("enc", enc.name()).build())
        .put("ciphertext", b64url(blob))
        .toString().getBytes(StandardCharsets.UTF_8));
    JsonBuilder request = JsonBuilder.object().put("api-version", apiVersion).put("enc", enc.name()).put("kid", kid);
    if (nonce != null) {
      request.put("nonce", nonce);
    }
    JsonBuilder key = JsonBuilder.object().put("kid", kid).put("kty", v.type().wire())
        .putStrings("key_ops", v.keyOps()).put("key_hsm", keyHsm);
    String payload = JsonBuilder.object()
        .put("request", request.build())
        .put("response", JsonBuilder.object().put("key", JsonBuilder.object()
            .put("attributes", attributes(v.attributes()))
            .put("key", key.build())
            .put("release_policy", policyJson(v.releasePolicy().get()))
            .build()).build())
        .toString();
    String jws = signer.sign(payload);
    audit(caller, "release", name, v.version(), claims, "ok", "released with " + enc.name());
    return ApiResponse.json(200, JsonBuilder.object().put("value", jws).toString());
  }

  /**
   * The outcome of every check a release makes before wrapping: either a refusal (with the claims,
   * when the target was verified) or the verified claims and the transfer key.
   */
  private record Check(KeyBrokerException refusal, VerifiedClaims claims, RSAPublicKey transfer, List<PolicyDecision.Failure> failures) {}

  /**
   * Checks a release of {@code key} (or, without a key, of {@code policy} alone) to {@code target}
   * against the tenant's trusted issuers, in the order a release does: key usable, target verified,
   * policy satisfied, transfer key present.
   */
  private Check check(String tenant, Optional<KeyVersion> key, Optional<ReleasePolicy> policy, String target) throws KeyBrokerException {
    if (key.isPresent()) {
      KeyVersion v = key.get();
      String unusable = !v.attributes().exportable() ? "the key is not exportable" : v.attributes().unusableReason(clock.instant());
      if (unusable != null || policy.isEmpty()) {
        return new Check(new KeyBrokerException(Reason.KEY_NOT_RELEASABLE, "release refused: "
            + (unusable != null ? unusable : "the key has no release policy")), null, null, List.of());
      }
    }
    VerifiedClaims claims;
    try {
      claims = verifierOf(tenant).verify(target);
    } catch (KeyBrokerException e) {
      return new Check(e, null, null, List.of());
    }
    PolicyDecision d = policy.orElseThrow().evaluate(claims);
    if (!d.allowed()) {
      return new Check(new KeyBrokerException(Reason.POLICY_NOT_SATISFIED, "Release policy not satisfied: " + d.adminDetail(),
          "Release policy not satisfied (claims: " + d.callerDetail() + ")"), claims, null, d.failures());
    }
    try {
      return new Check(null, claims, TransferKeys.select(claims.claim("x-ms-runtime")), List.of());
    } catch (KeyWrapException e) {
      return new Check(new KeyBrokerException(Reason.BAD_PARAMETER, "release refused: " + e.getMessage()), claims, null, List.of());
    }
  }

  private TargetTokenVerifier verifierOf(String tenant) throws KeyBrokerException {
    TargetTokenVerifier t = targets.get(tenant);
    if (t == null) {
      throw new KeyBrokerException(Reason.TARGET_REJECTED, "tenant " + tenant + " trusts no attestation service",
          "target token issuer is not trusted");
    }
    return t;
  }

  /** {@code POST /keys/{name}[/{version}]/dry-run}: would a release of this key to {@code target} succeed? */
  private ApiResponse dryRunKey(String name, Optional<String> version, JsonObject b, Caller caller)
      throws KeyBrokerException, StoreException {
    String target = target(b);
    KeyVersion v = find(caller.tenant(), name, version);
    Optional<ReleasePolicy> policy = v.releasePolicy().map(KeyReleasePolicy::policy);
    if (b.has("release_policy") && !(b.get("release_policy") instanceof JsonNull)) {
      requireAdmin(caller); // a draft policy for an existing key is an administrator's tool
      policy = releasePolicy(b.get("release_policy")).map(KeyReleasePolicy::policy);
    }
    return dryRun(caller, Optional.of(v), policy, target, kid(caller.tenant(), v));
  }

  /** {@code POST /dry-run}: would {@code release_policy} (given in the body) release to {@code target}? */
  private ApiResponse dryRunPolicy(JsonObject b, Caller caller) throws KeyBrokerException, StoreException {
    String target = target(b);
    Optional<ReleasePolicy> policy = releasePolicy(b.get("release_policy")).map(KeyReleasePolicy::policy);
    if (policy.isEmpty()) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "release_policy ({\"data\": base64url policy}) is required");
    }
    return dryRun(caller, Optional.empty(), policy, target, null);
  }

  /**
   * Evaluates without releasing, audits it as a {@code dry-run}, and answers {@code {"allowed", …}}:
   * administrators see every failed condition with its detail, release-role callers only the claim
   * names (as in a real denial).
   */
  private ApiResponse dryRun(Caller caller, Optional<KeyVersion> v, Optional<ReleasePolicy> policy, String target, String kid)
      throws KeyBrokerException, StoreException {
    Check c = check(caller.tenant(), v, policy, target);
    boolean allowed = c.refusal() == null;
    audit(caller, "dry-run", v.map(KeyVersion::name).orElse(null), v.map(KeyVersion::version).orElse(null), c.claims(),
        allowed ? "allowed" : "denied", allowed ? "the release would succeed" : c.refusal().getMessage());
    JsonBuilder out = JsonBuilder.object().put("allowed", allowed);
    if (kid != null) {
      out.put("kid", kid);
    }
    if (!allowed) {
      out.put("reason", caller.admin() ? c.refusal().getMessage() : c.refusal().callerDetail());
      List<JsonValue> failures = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      for (PolicyDecision.Failure f : c.failures()) {
        if (caller.admin()) {
          failures.add(JsonBuilder.object().put("claim", f.claim()).put("detail", f.detail()).build());
        } else if (!seen.contains(f.claim())) {
          seen.add(f.claim());
          failures.add(JsonBuilder.object().put("claim", f.claim()).build());
        }
      }
      out.put("failures", new JsonArray(failures));
    }
    return ApiResponse.json(200, out.toString());
  }

  private void audit(Caller caller, String action, String name, String version, VerifiedClaims claims, String result,
      String detail) throws StoreException {
    store.audit(new AuditEntry(caller.tenant(), caller.id(), action, name, version,
        claims == null ? null : claims.jti().orElse(null), claims == null ? null : claims.issuer(), result, detail));
  }

  private static String target(JsonObject b) throws KeyBrokerException {
    String target = optString(b, "target");
    if (target == null || target.isEmpty()) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "target (the attestation token) is required");
    }
    if (target.length() > 64 * 1024) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "target is larger than 64 KiB");
    }
    return target;
  }

  // ---------------------------------------------------------------- helpers

  private KeyVersion find(String tenant, String name, Optional<String> version) throws KeyBrokerException, StoreException {
    return store.get(tenant, name, version).orElseThrow(() -> notFound(name));
  }

  private static KeyBrokerException notFound(String name) {
    return new KeyBrokerException(Reason.NOT_FOUND, "A key with (name/id) " + name + " was not found in this key vault.");
  }

  private static void requireAdmin(Caller caller) throws KeyBrokerException {
    if (!caller.admin()) {
      throw new KeyBrokerException(Reason.FORBIDDEN, "Caller is not authorized to perform action on resource.");
    }
  }

  private static void checkName(String name) throws KeyBrokerException {
    if (!NAME.matcher(name).matches()) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "key names are 1-127 characters of 0-9, a-z, A-Z and '-'");
    }
  }

  private static Optional<String> version(String s) throws KeyBrokerException {
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (!VERSION.matcher(s).matches()) {
      throw new KeyBrokerException(Reason.NOT_FOUND, "no such key version: " + s);
    }
    return Optional.of(s);
  }

  private static JsonObject body(byte[] body) throws KeyBrokerException {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(body)).toString();
      return Json.parseObject(text.isEmpty() ? "{}" : text);
    } catch (CharacterCodingException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "the request body is not UTF-8");
    } catch (MalformedInputException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "the request body is not a JSON object: " + e.getMessage());
    }
  }

  private static String optString(JsonObject o, String key) throws KeyBrokerException {
    try {
      return o.optString(key);
    } catch (MalformedInputException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, e.getMessage());
    }
  }

  private static JsonObject optObject(JsonObject o, String key) throws KeyBrokerException {
    JsonValue v = o.get(key);
    if (v == null || v instanceof JsonNull) {
      return null;
    }
    if (v instanceof JsonObject j) {
      return j;
    }
    throw new KeyBrokerException(Reason.BAD_PARAMETER, key + " must be an object");
  }

  private static boolean bool(JsonObject o, String key, boolean dflt) throws KeyBrokerException {
    JsonValue v = o.get(key);
    if (v == null || v instanceof JsonNull) {
      return dflt;
    }
    if (v instanceof JsonBool b) {
      return b.value();
    }
    throw new KeyBrokerException(Reason.BAD_PARAMETER, key + " must be true or false");
  }

  private static long integer(JsonValue v, String what, long min, long max) throws KeyBrokerException {
    if (v instanceof JsonNumber n) {
      try {
        long x = n.longValueExact(what);
        if (x >= min && x <= max) {
          return x;
        }
      } catch (MalformedInputException e) {
        // reported below
      }
    }
    throw new KeyBrokerException(Reason.BAD_PARAMETER, what + " must be an integer in " + min + ".." + max);
  }

  private static Optional<Instant> instant(JsonObject attrs, String key) throws KeyBrokerException {
    if (attrs == null || attrs.get(key) == null || attrs.get(key) instanceof JsonNull) {
      return Optional.empty();
    }
    return Optional.of(Instant.ofEpochSecond(integer(attrs.get(key), "attributes." + key, 0, 253402300799L)));
  }

  private static Optional<List<String>> keyOps(JsonValue v) throws KeyBrokerException {
    if (v == null || v instanceof JsonNull) {
      return Optional.empty();
    }
    if (!(v instanceof JsonArray a) || a.elements().size() > OPS.size()) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "key_ops must be an array of operations");
    }
    List<String> out = new ArrayList<>();
    for (JsonValue e : a.elements()) {
      if (!(e instanceof JsonString s) || !OPS.contains(s.value())) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "key_ops may contain only " + new java.util.TreeSet<>(OPS));
      }
      if (!out.contains(s.value())) {
        out.add(s.value());
      }
    }
    return Optional.of(out);
  }

  private static Map<String, String> tags(JsonValue v) throws KeyBrokerException {
    if (v == null || v instanceof JsonNull) {
      return Map.of();
    }
    if (!(v instanceof JsonObject o) || o.members().size() > MAX_TAGS) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "tags must be an object of at most " + MAX_TAGS + " strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> e : o.members().entrySet()) {
      if (!(e.getValue() instanceof JsonString s) || e.getKey().length() > 512 || s.value().length() > 512) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "tag values must be strings of at most 512 characters");
      }
      out.put(e.getKey(), s.value());
    }
    return out;
  }

  private static Optional<KeyReleasePolicy> releasePolicy(JsonValue v) throws KeyBrokerException {
    if (v == null || v instanceof JsonNull) {
      return Optional.empty();
    }
    if (!(v instanceof JsonObject o)) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "release_policy must be an object");
    }
    String data = optString(o, "data");
    if (data == null || data.isEmpty()) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "release_policy.data (the base64url policy) is required");
    }
    String ct = optString(o, "contentType");
    boolean immutable = bool(o, "immutable", false);
    byte[] raw;
    try {
      // Key Vault documents base64url; clients also send standard base64 with padding.
      String t = data.replace('+', '-').replace('/', '_');
      while (t.endsWith("=")) {
        t = t.substring(0, t.length() - 1);
      }
      raw = Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: data is not base64url");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(raw)).toString();
      return Optional.of(new KeyReleasePolicy(ct == null ? KeyReleasePolicy.DEFAULT_CONTENT_TYPE : ct, immutable,
          ReleasePolicy.parse(text)));
    } catch (CharacterCodingException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: the policy is not UTF-8 JSON");
    } catch (MalformedInputException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: " + e.getMessage());
    }
  }

  private String kid(String tenant, KeyVersion v) {
    return baseUrl + TenantPath.prefix(tenant) + "/keys/" + v.name() + "/" + v.version();
  }

  private JsonObject bundle(String tenant, KeyVersion v) {
    Map<String, JsonValue> key = new LinkedHashMap<>();
    key.put("kid", new JsonString(kid(tenant, v)));
    key.put("kty", new JsonString(v.type().wire()));
    List<JsonValue> ops = new ArrayList<>();
    v.keyOps().forEach(o -> ops.add(new JsonString(o)));
    key.put("key_ops", new JsonArray(ops));
    v.material().publicJwk().forEach((k, val) -> {
      if (!k.equals("kty") && !k.equals("kid") && val instanceof String s) {
        key.put(k, new JsonString(s));
      }
    });
    JsonBuilder b = JsonBuilder.object().put("key", new JsonObject(key)).put("attributes", attributes(v.attributes()))
        .put("tags", tagsJson(v.tags()));
    v.releasePolicy().ifPresent(p -> b.put("release_policy", policyJson(p)));
    return b.build();
  }

  private static JsonObject attributes(KeyAttributes a) {
    JsonBuilder b = JsonBuilder.object().put("enabled", a.enabled());
    a.notBefore().ifPresent(t -> b.put("nbf", t.getEpochSecond()));
    a.expires().ifPresent(t -> b.put("exp", t.getEpochSecond()));
    return b.put("created", a.created().getEpochSecond()).put("updated", a.updated().getEpochSecond())
        .put("recoveryLevel", "Purgeable").put("exportable", a.exportable()).build();
  }

  private static JsonObject tagsJson(Map<String, String> tags) {
    Map<String, JsonValue> m = new LinkedHashMap<>();
    tags.forEach((k, v) -> m.put(k, new JsonString(v)));
    return new JsonObject(m);
  }

  private static JsonObject policyJson(KeyReleasePolicy p) {
    return JsonBuilder.object().put("contentType", p.contentType()).put("immutable", p.immutable())
        .put("data", b64url(p.policy().toJson().getBytes(StandardCharsets.UTF_8))).build();
  }

  private static String b64url(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
