package io.kubesgx.keybroker.tenant;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonBool;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the tenants file ({@code --tenants-file}), a strict JSON document:
 *
 * <pre>{@code
 * {
 *   "namespaceIsTenant": false,
 *   "tenants": {
 *     "team-a": {
 *       "adminTokenFiles": ["team-a.token"],
 *       "trustedIssuers": ["https://attest.example"],
 *       "bindings": [{"namespace": "team-a", "serviceAccount": "app", "role": "release"}]
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Unknown members, duplicate members and wrong types are errors; every error is one line naming
 * the file and the member to change. Relative token-file paths are resolved against the tenants
 * file's directory.
 */
public final class TenantsFile {
  /** Largest tenants file read. */
  public static final int MAX_BYTES = 1 << 20;
  /** Largest admin token file read. */
  public static final int MAX_TOKEN_BYTES = 4096;

  private static final Set<String> TOP = Set.of("tenants", "namespaceIsTenant");
  private static final Set<String> TENANT = Set.of("adminTokenFiles", "trustedIssuers", "bindings");
  private static final Set<String> BINDING = Set.of("namespace", "serviceAccount", "role");

  private TenantsFile() {}

  /**
   * Reads {@code file}; the default tenant (configured there or not) also trusts {@code defaultIssuers}.
   *
   * @throws IllegalArgumentException with a one-line message naming the file and the bad member
   */
  public static Tenants read(Path file, List<String> defaultIssuers) {
    String where = "tenants file " + file + ": ";
    String text;
    try {
      text = readBounded(file, MAX_BYTES);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + "cannot read it (" + e.getMessage() + ")");
    }
    JsonObject root;
    try {
      root = Json.parseObject(text);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException(where + "not a JSON object: " + e.getMessage());
    }
    try {
      onlyKnown(root, TOP, "");
      boolean namespaceIsTenant = false;
      if (root.has("namespaceIsTenant")) {
        if (!(root.get("namespaceIsTenant") instanceof JsonBool b)) {
          throw new IllegalArgumentException("namespaceIsTenant must be true or false");
        }
        namespaceIsTenant = b.value();
      }
      if (!(root.get("tenants") instanceof JsonObject tenants)) {
        throw new IllegalArgumentException("tenants (an object of tenant name to settings) is required");
      }
      List<TenantConfig> out = new ArrayList<>();
      boolean sawDefault = false;
      for (Map.Entry<String, JsonValue> e : tenants.members().entrySet()) {
        String name = e.getKey();
        String at = "tenants." + name;
        if (!TenantPath.isValidName(name)) {
          throw new IllegalArgumentException(at + ": tenant names are DNS labels (1-63 of a-z, 0-9 and inner '-')");
        }
        if (!(e.getValue() instanceof JsonObject t)) {
          throw new IllegalArgumentException(at + " must be an object");
        }
        onlyKnown(t, TENANT, at + ".");
        List<AdminToken> tokens = new ArrayList<>();
        List<String> files = strings(t, "adminTokenFiles", at);
        for (int i = 0; i < files.size(); i++) {
          Path p = file.toAbsolutePath().getParent().resolve(files.get(i));
          String token;
          try {
            token = readBounded(p, MAX_TOKEN_BYTES).strip();
          } catch (IOException ex) {
            throw new IllegalArgumentException(at + ".adminTokenFiles[" + i + "]: cannot read " + p + " (" + ex.getMessage() + ")");
          }
          try {
            tokens.add(AdminToken.of("admin:" + p.getFileName(), token));
          } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(at + ".adminTokenFiles[" + i + "]: " + ex.getMessage());
          }
        }
        Set<String> issuers = new LinkedHashSet<>(strings(t, "trustedIssuers", at));
        if (name.equals(TenantPath.DEFAULT)) {
          sawDefault = true;
          issuers.addAll(defaultIssuers);
        }
        if (issuers.isEmpty()) {
          throw new IllegalArgumentException(at + ".trustedIssuers must list at least one attestation service URL");
        }
        List<RoleBinding> bindings = bindings(t, at);
        try {
          out.add(new TenantConfig(name, tokens, List.copyOf(issuers), bindings));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException(at + ".trustedIssuers: " + ex.getMessage());
        }
      }
      if (!sawDefault && !defaultIssuers.isEmpty()) {
        out.add(0, new TenantConfig(TenantPath.DEFAULT, List.of(), defaultIssuers, List.of()));
      }
      return Tenants.of(out, namespaceIsTenant);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + e.getMessage(), e);
    }
  }

  private static List<RoleBinding> bindings(JsonObject t, String at) {
    JsonValue v = t.get("bindings");
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException(at + ".bindings must be an array");
    }
    List<RoleBinding> out = new ArrayList<>();
    for (int i = 0; i < a.elements().size(); i++) {
      String bat = at + ".bindings[" + i + "]";
      if (!(a.elements().get(i) instanceof JsonObject b)) {
        throw new IllegalArgumentException(bat + " must be an object");
      }
      onlyKnown(b, BINDING, bat + ".");
      String ns = string(b, "namespace", bat).orElseThrow(() -> new IllegalArgumentException(bat + ".namespace is required"));
      if (!TenantPath.isValidName(ns)) {
        throw new IllegalArgumentException(bat + ".namespace must be a Kubernetes namespace name");
      }
      Optional<String> sa = string(b, "serviceAccount", bat);
      if (sa.isPresent() && !sa.get().matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
        throw new IllegalArgumentException(bat + ".serviceAccount must be a Kubernetes service account name");
      }
      Role role = string(b, "role", bat).flatMap(Role::parse)
          .orElseThrow(() -> new IllegalArgumentException(bat + ".role must be \"admin\" or \"release\""));
      out.add(new RoleBinding(ns, sa, role));
    }
    return out;
  }

  private static void onlyKnown(JsonObject o, Set<String> known, String prefix) {
    for (String k : o.members().keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(prefix + k + " is not a known setting (expected one of " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  private static Optional<String> string(JsonObject o, String key, String at) {
    JsonValue v = o.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof JsonString s)) {
      throw new IllegalArgumentException(at + "." + key + " must be a string");
    }
    return Optional.of(s.value());
  }

  private static List<String> strings(JsonObject o, String key, String at) {
    JsonValue v = o.get(key);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException(at + "." + key + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.elements().size(); i++) {
      if (!(a.elements().get(i) instanceof JsonString s) || s.value().isEmpty()) {
        throw new IllegalArgumentException(at + "." + key + "[" + i + "] must be a non-empty string");
      }
      out.add(s.value());
    }
    return out;
  }

  private static String readBounded(Path p, int max) throws IOException {
    byte[] b;
    try (InputStream in = Files.newInputStream(p)) {
      b = in.readNBytes(max + 1);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("it does not exist", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException("permission denied", e);
    }
    if (b.length > max) {
      throw new IOException("larger than " + max + " bytes");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text");
    }
  }
}
