package io.kubesgx.keybroker.secrets;

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
import io.kubesgx.keybroker.keys.KeyReleasePolicy;
import io.kubesgx.keybroker.policy.ReleasePolicy;
import io.kubesgx.keybroker.store.AuditEntry;
import io.kubesgx.keybroker.store.SecretStore;
import io.kubesgx.keybroker.store.StoreException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
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
 * The Key Vault secrets REST operations of one tenant, independent of HTTP: set ({@code PUT
 * /secrets/{name}}), get, list versions, update ({@code PATCH}) and delete, plus two extension fields:
 * {@code release_policy} (the SKR grammar, as for keys) and {@code x-kubesgx-kbs-resource} (the
 * {@code repo/type/tag} path under which the secret is released over the Trustee KBS protocol).
 *
 * <p>GET never returns the value of a secret that has a release policy: such a secret leaves the
 * broker only as a KBS resource, encrypted to an attested enclave's key. Every change is audited; no
 * value is ever logged.
 */
public final class SecretsService {
  /** Extension field: the KBS resource path of the secret. */
  public static final String KBS_RESOURCE_FIELD = "x-kubesgx-kbs-resource";
  /** The {@code api-version} values served. */
  public static final Set<String> API_VERSIONS = Set.of("7.4", "7.5", "7.6");
  /** Most versions listed in one answer. */
  public static final int MAX_LIST = 25;
  /** Most tags per secret (as Key Vault). */
  public static final int MAX_TAGS = 15;

  private static final Pattern NAME = Pattern.compile("[0-9a-zA-Z-]{1,127}");
  private static final Pattern VERSION = Pattern.compile("[0-9a-f]{32}");
  /** One KBS path segment (Trustee's {@code ResourceDesc}), at most 128 characters. */
  private static final Pattern KBS_SEGMENT = Pattern.compile("[A-Za-z0-9_\\-]+[A-Za-z0-9_\\-.]*");

  private final SecretStore store;
  private final String baseUrl;
  private final Clock clock;
  private final SecureRandom random;

  /**
   * Creates the service.
   *
   * @param baseUrl the vault URL put into secret ids (no trailing slash)
   */
  public SecretsService(SecretStore store, String baseUrl, Clock clock, SecureRandom random) {
    this.store = store;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.clock = clock;
    this.random = random;
  }

  /**
   * An answer: HTTP status and JSON body.
   *
   * @param status HTTP status
   * @param json the body
   */
  public record Reply(int status, String json) {}

  /** Returns whether {@code path} is a KBS resource path {@code repo/type/tag} this broker accepts. */
  public static boolean isKbsResourcePath(String path) {
    if (path == null || path.length() > 3 * 128 + 2) {
      return false;
    }
    String[] parts = path.split("/", -1);
    if (parts.length != 3) {
      return false;
    }
    for (String p : parts) {
      if (p.length() > 128 || !KBS_SEGMENT.matcher(p).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Serves one request under {@code /secrets} for {@code tenant}.
   *
   * @param actor who calls (for the audit log)
   * @param admin whether the caller may manage secrets
   */
  public Reply handle(String tenant, String method, String path, String apiVersion, byte[] body, String actor, boolean admin) {
    try {
      if (apiVersion == null || !API_VERSIONS.contains(apiVersion)) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "The specified version (" + (apiVersion == null ? "none" : apiVersion)
            + ") is not recognized. Use api-version 7.4, 7.5 or 7.6.");
      }
      if (!admin) {
        throw new KeyBrokerException(Reason.FORBIDDEN, "Caller is not authorized to perform action on resource.");
      }
      if (!path.startsWith("/secrets/")) {
        throw new KeyBrokerException(Reason.NOT_FOUND, "no such operation: " + method + " " + path);
      }
      List<String> seg = List.of(path.substring("/secrets/".length()).split("/", -1));
      String name = seg.get(0);
      if (!NAME.matcher(name).matches()) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "secret names are 1-127 characters of 0-9, a-z, A-Z and '-'");
      }
      switch (method) {
        case "PUT":
          if (seg.size() == 1) {
            return set(tenant, name, body(body), actor);
          }
          break;
        case "GET":
          if (seg.size() == 2 && seg.get(1).equals("versions")) {
            return listVersions(tenant, name);
          }
          if (seg.size() <= 2) {
            SecretVersion v = find(tenant, name, seg.size() == 2 ? version(seg.get(1)) : Optional.empty());
            return new Reply(200, Json.write(bundle(v, v.releasePolicy().isEmpty())));
          }
          break;
        case "PATCH":
          if (seg.size() <= 2) {
            return update(tenant, name, seg.size() == 2 ? version(seg.get(1)) : Optional.empty(), body(body), actor);
          }
          break;
        case "DELETE":
          if (seg.size() == 1) {
            return delete(tenant, name, actor);
          }
          break;
        default:
          break;
      }
      throw new KeyBrokerException(Reason.NOT_FOUND, "no such operation: " + method + " " + path);
    } catch (KeyBrokerException e) {
      String code = e.reason() == Reason.NOT_FOUND ? "SecretNotFound" : e.reason().code();
      return error(e.reason().httpStatus(), code, e.getMessage());
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.CONFLICT) {
        return error(409, "Conflict", e.getMessage());
      }
      return error(503, "ServiceUnavailable", "the secret store is unavailable; retry later");
    }
  }

  /** The Key Vault error shape {@code {"error":{"code","message"}}}. */
  public static Reply error(int status, String code, String message) {
    return new Reply(status, JsonBuilder.object()
        .put("error", JsonBuilder.object().put("code", code).put("message", message).build()).toString());
  }

  // ---------------------------------------------------------------- operations

  private Reply set(String tenant, String name, JsonObject b, String actor) throws KeyBrokerException, StoreException {
    JsonValue value = b.get("value");
    if (!(value instanceof JsonString vs)) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "value (a string) is required");
    }
    byte[] bytes = vs.value().getBytes(StandardCharsets.UTF_8);
    try {
      if (bytes.length > SecretVersion.MAX_VALUE_BYTES) {
        throw new KeyBrokerException(Reason.BAD_PARAMETER, "the secret value is " + bytes.length + " bytes; at most "
            + SecretVersion.MAX_VALUE_BYTES + " (64 KiB) are accepted");
      }
      Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
      JsonObject attrs = optObject(b, "attributes");
      SecretAttributes a = new SecretAttributes(attrs == null || bool(attrs, "enabled", true), instant(attrs, "nbf"),
          instant(attrs, "exp"), now, now);
      Optional<KeyReleasePolicy> policy = releasePolicy(b.get("release_policy"));
      Optional<SecretVersion> latest = store.get(tenant, name, Optional.empty());
      if (latest.isPresent() && latest.get().releasePolicy().map(KeyReleasePolicy::immutable).orElse(false)
          && !latest.get().releasePolicy().equals(policy)) {
        throw new KeyBrokerException(Reason.CONFLICT, "AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
      }
      Optional<String> kbs = b.has(KBS_RESOURCE_FIELD) ? kbsResource(b.get(KBS_RESOURCE_FIELD))
          : latest.flatMap(SecretVersion::kbsResource);
      byte[] id = new byte[16];
      random.nextBytes(id);
      SecretVersion v = new SecretVersion(tenant, name, HexFormat.of().formatHex(id), Optional.ofNullable(contentType(b)), a,
          tags(b.get("tags")), policy, kbs, bytes);
      store.addVersion(v, new AuditEntry(tenant, actor, "secret-set", name, v.version(), null, null, "ok",
          "tenant " + tenant + ", " + bytes.length + " bytes" + (policy.isPresent() ? ", release policy" : "")
              + kbs.map(p -> ", KBS resource " + p).orElse("")));
      return new Reply(200, Json.write(bundle(v, policy.isEmpty())));
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private Reply listVersions(String tenant, String name) throws KeyBrokerException, StoreException {
    List<SecretVersion> versions = store.versions(tenant, name, MAX_LIST);
    if (versions.isEmpty()) {
      throw notFound(name);
    }
    List<JsonValue> items = new ArrayList<>();
    for (SecretVersion v : versions) {
      JsonBuilder item = JsonBuilder.object().put("id", id(v)).put("attributes", attributes(v.attributes()))
          .put("tags", tagsJson(v.tags()));
      v.contentType().ifPresent(ct -> item.put("contentType", ct));
      items.add(item.build());
    }
    return new Reply(200, JsonBuilder.object().put("value", new JsonArray(items)).put("nextLink", new JsonNull()).toString());
  }

  private Reply update(String tenant, String name, Optional<String> version, JsonObject b, String actor)
      throws KeyBrokerException, StoreException {
    SecretVersion cur = find(tenant, name, version);
    Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
    SecretAttributes ca = cur.attributes();
    JsonObject attrs = optObject(b, "attributes");
    SecretAttributes a = new SecretAttributes(
        (attrs != null && attrs.has("enabled")) ? bool(attrs, "enabled", true) : ca.enabled(),
        (attrs != null && attrs.has("nbf")) ? instant(attrs, "nbf") : ca.notBefore(),
        (attrs != null && attrs.has("exp")) ? instant(attrs, "exp") : ca.expires(), ca.created(), now);
    Optional<KeyReleasePolicy> policy = cur.releasePolicy();
    if (b.has("release_policy") && !(b.get("release_policy") instanceof JsonNull)) {
      Optional<KeyReleasePolicy> next = releasePolicy(b.get("release_policy"));
      if (policy.isPresent() && policy.get().immutable() && !policy.equals(next)) {
        throw new KeyBrokerException(Reason.CONFLICT, "AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
      }
      policy = next;
    }
    boolean pathChanged = b.has(KBS_RESOURCE_FIELD);
    Optional<String> kbs = pathChanged ? kbsResource(b.get(KBS_RESOURCE_FIELD)) : cur.kbsResource();
    Optional<String> ct = b.has("contentType") ? Optional.ofNullable(contentType(b)) : cur.contentType();
    Map<String, String> tags = b.has("tags") ? tags(b.get("tags")) : cur.tags();
    SecretVersion v = cur.withChanges(ct, a, tags, policy, kbs);
    try {
      store.update(v, pathChanged, new AuditEntry(tenant, actor, "secret-update", name, v.version(), null, null, "ok",
          "tenant " + tenant + ", enabled=" + a.enabled() + (b.has("release_policy") ? ", release policy replaced" : "")
              + (pathChanged ? ", KBS resource " + kbs.orElse("removed") : "")));
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.CONFLICT && e.getMessage().startsWith("KBS resource")) {
        throw new KeyBrokerException(Reason.CONFLICT, e.getMessage());
      }
      if (e.reason() == StoreException.Reason.CONFLICT) {
        throw notFound(name);
      }
      throw e;
    }
    return new Reply(200, Json.write(bundle(v, v.releasePolicy().isEmpty())));
  }

  private Reply delete(String tenant, String name, String actor) throws KeyBrokerException, StoreException {
    SecretVersion latest = find(tenant, name, Optional.empty());
    if (!store.delete(tenant, name, new AuditEntry(tenant, actor, "secret-delete", name, null, null, null, "ok",
        "tenant " + tenant + ", all versions deleted"))) {
      throw notFound(name);
    }
    Map<String, JsonValue> m = new LinkedHashMap<>(bundle(latest, false).members());
    m.put("deletedDate", new JsonNumber(Long.toString(clock.instant().getEpochSecond())));
    return new Reply(200, Json.write(new JsonObject(m)));
  }

  private SecretVersion find(String tenant, String name, Optional<String> version) throws KeyBrokerException, StoreException {
    try {
      return store.get(tenant, name, version).orElseThrow(() -> notFound(name));
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.TAMPERED) {
        throw new KeyBrokerException(Reason.STORAGE, e.getMessage());
      }
      throw e;
    }
  }

  private static KeyBrokerException notFound(String name) {
    return new KeyBrokerException(Reason.NOT_FOUND, "A secret with (name/id) " + name + " was not found in this key vault.");
  }

  // ---------------------------------------------------------------- JSON

  private String id(SecretVersion v) {
    return baseUrl + "/secrets/" + v.name() + "/" + v.version();
  }

  private JsonObject bundle(SecretVersion v, boolean withValue) {
    JsonBuilder b = JsonBuilder.object();
    if (withValue) {
      b.put("value", new String(v.copyValue(), StandardCharsets.UTF_8));
    }
    b.put("id", id(v));
    v.contentType().ifPresent(ct -> b.put("contentType", ct));
    b.put("attributes", attributes(v.attributes())).put("tags", tagsJson(v.tags()));
    v.releasePolicy().ifPresent(p -> b.put("release_policy", JsonBuilder.object().put("contentType", p.contentType())
        .put("immutable", p.immutable())
        .put("data", Base64.getUrlEncoder().withoutPadding().encodeToString(p.policy().toJson().getBytes(StandardCharsets.UTF_8)))
        .build()));
    v.kbsResource().ifPresent(p -> b.put(KBS_RESOURCE_FIELD, p));
    return b.build();
  }

  private static JsonObject attributes(SecretAttributes a) {
    JsonBuilder b = JsonBuilder.object().put("enabled", a.enabled());
    a.notBefore().ifPresent(t -> b.put("nbf", t.getEpochSecond()));
    a.expires().ifPresent(t -> b.put("exp", t.getEpochSecond()));
    return b.put("created", a.created().getEpochSecond()).put("updated", a.updated().getEpochSecond())
        .put("recoveryLevel", "Purgeable").build();
  }

  private static JsonObject tagsJson(Map<String, String> tags) {
    Map<String, JsonValue> m = new LinkedHashMap<>();
    tags.forEach((k, v) -> m.put(k, new JsonString(v)));
    return new JsonObject(m);
  }

  private static Optional<String> version(String s) throws KeyBrokerException {
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (!VERSION.matcher(s).matches()) {
      throw new KeyBrokerException(Reason.NOT_FOUND, "no such secret version: " + s);
    }
    return Optional.of(s);
  }

  private static JsonObject body(byte[] body) throws KeyBrokerException {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
      return Json.parseObject(text.isEmpty() ? "{}" : text);
    } catch (CharacterCodingException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "the request body is not UTF-8");
    } catch (MalformedInputException e) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "the request body is not a JSON object: " + e.getMessage());
    }
  }

  private static String contentType(JsonObject b) throws KeyBrokerException {
    JsonValue v = b.get("contentType");
    if (v == null || v instanceof JsonNull) {
      return null;
    }
    if (!(v instanceof JsonString s) || s.value().length() > 255) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, "contentType must be a string of at most 255 characters");
    }
    return s.value();
  }

  private static Optional<String> kbsResource(JsonValue v) throws KeyBrokerException {
    if (v == null || v instanceof JsonNull || (v instanceof JsonString s && s.value().isEmpty())) {
      return Optional.empty();
    }
    if (!(v instanceof JsonString s) || !isKbsResourcePath(s.value())) {
      throw new KeyBrokerException(Reason.BAD_PARAMETER, KBS_RESOURCE_FIELD + " must be 'repo/type/tag', each part of "
          + "A-Z, a-z, 0-9, '_', '-' (then also '.'), at most 128 characters; null or \"\" removes it");
    }
    return Optional.of(s.value());
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

  private static Optional<Instant> instant(JsonObject attrs, String key) throws KeyBrokerException {
    if (attrs == null || attrs.get(key) == null || attrs.get(key) instanceof JsonNull) {
      return Optional.empty();
    }
    if (attrs.get(key) instanceof JsonNumber n) {
      try {
        long x = n.longValueExact(key);
        if (x >= 0 && x <= 253402300799L) {
          return Optional.of(Instant.ofEpochSecond(x));
        }
      } catch (MalformedInputException e) {
        // reported below
      }
    }
    throw new KeyBrokerException(Reason.BAD_PARAMETER, "attributes." + key + " must be an integer in 0..253402300799");
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
    JsonValue dv = o.get("data");
    if (!(dv instanceof JsonString ds) || ds.value().isEmpty()) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "release_policy.data (the base64url policy) is required");
    }
    JsonValue cv = o.get("contentType");
    String ct = cv instanceof JsonString cs ? cs.value() : KeyReleasePolicy.DEFAULT_CONTENT_TYPE;
    boolean immutable = bool(o, "immutable", false);
    byte[] raw;
    try {
      String t = ds.value().replace('+', '-').replace('/', '_');
      while (t.endsWith("=")) {
        t = t.substring(0, t.length() - 1);
      }
      raw = Base64.getUrlDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: data is not base64url");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw)).toString();
      return Optional.of(new KeyReleasePolicy(ct, immutable, ReleasePolicy.parse(text)));
    } catch (CharacterCodingException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: the policy is not UTF-8 JSON");
    } catch (MalformedInputException e) {
      throw new KeyBrokerException(Reason.BAD_POLICY, "Key Release Policy: " + e.getMessage());
    }
  }
}
