package io.kubesgx.keybroker.store;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.keybroker.keys.KeyReleasePolicy;
import io.kubesgx.keybroker.policy.ReleasePolicy;
import io.kubesgx.keybroker.secrets.SecretAttributes;
import io.kubesgx.keybroker.secrets.SecretVersion;
import io.kubesgx.keybroker.store.StoreException.Reason;
import java.security.GeneralSecurityException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Secret versions in the key store's database ({@code V2__secrets.sql}): each value sealed under its
 * own data key and the store's KEK exactly as key material is, and every change written in the same
 * transaction as its entry in the store's one audit chain.
 */
public final class SecretStore {
  private final KeyStore keys;

  private SecretStore(KeyStore keys) {
    this.keys = keys;
  }

  /** Returns the secret store sharing {@code keys}' database, key-encryption key and audit chain. */
  public static SecretStore over(KeyStore keys) {
    return new SecretStore(keys);
  }

  /**
   * Adds a version (creating the secret when new) and its audit entry in one transaction; when the
   * version carries a KBS resource path, the secret's path is set to it.
   *
   * @throws StoreException {@link Reason#CONFLICT} when another secret of the tenant already uses the
   *     KBS resource path, else {@link Reason#UNAVAILABLE}
   */
  public void addVersion(SecretVersion v, AuditEntry audit) throws StoreException {
    keys.write(c -> {
      ensureName(c, v.tenant(), v.name());
      if (v.kbsResource().isPresent()) {
        setPath(c, v.tenant(), v.name(), v.kbsResource().get());
      }
      long seq;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT COALESCE(MAX(seq), 0) FROM kb_secret_versions WHERE tenant = ? AND name = ?")) {
        ps.setString(1, v.tenant());
        ps.setString(2, v.name());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          seq = rs.getLong(1) + 1;
        }
      }
      byte[] value = v.copyValue();
      Envelope.Sealed sealed;
      try {
        sealed = keys.envelope().seal(value, recordId(v.tenant(), v.name(), v.version()));
      } finally {
        Arrays.fill(value, (byte) 0);
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_secret_versions (tenant, name, version, seq, "
          + "content_type, enabled, nbf, exp, created, updated, tags, policy_content_type, policy_immutable, policy_data, "
          + "value_size, sealed_dek, sealed_value, kek_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, v.tenant());
        ps.setString(2, v.name());
        ps.setString(3, v.version());
        ps.setLong(4, seq);
        bindMutable(ps, 5, v);
        ps.setInt(15, v.valueSize());
        ps.setString(16, sealed.dek());
        ps.setString(17, sealed.content());
        ps.setString(18, sealed.kekId());
        ps.executeUpdate();
      }
      keys.appendAudit(c, audit);
    });
  }

  /**
   * Replaces the mutable parts of a version (content type, attributes, tags, policy) and, when given,
   * the secret's KBS resource path; audits it.
   *
   * @throws StoreException {@link Reason#CONFLICT} when the version vanished or the path is taken
   */
  public void update(SecretVersion v, boolean pathChanged, AuditEntry audit) throws StoreException {
    keys.write(c -> {
      if (pathChanged) {
        setPath(c, v.tenant(), v.name(), v.kbsResource().orElse(null));
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE kb_secret_versions SET content_type = ?, enabled = ?, nbf = ?, "
          + "exp = ?, created = ?, updated = ?, tags = ?, policy_content_type = ?, policy_immutable = ?, policy_data = ? "
          + "WHERE tenant = ? AND name = ? AND version = ?")) {
        bindMutable(ps, 1, v);
        ps.setString(11, v.tenant());
        ps.setString(12, v.name());
        ps.setString(13, v.version());
        if (ps.executeUpdate() != 1) {
          throw new SQLException("CONFLICT: the secret version was deleted meanwhile");
        }
      }
      keys.appendAudit(c, audit);
    });
  }

  /**
   * Deletes every version of a secret and audits it; returns whether anything was deleted.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public boolean delete(String tenant, String name, AuditEntry audit) throws StoreException {
    boolean[] deleted = {false};
    keys.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM kb_secret_versions WHERE tenant = ? AND name = ?")) {
        ps.setString(1, tenant);
        ps.setString(2, name);
        deleted[0] = ps.executeUpdate() > 0;
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM kb_secrets WHERE tenant = ? AND name = ?")) {
        ps.setString(1, tenant);
        ps.setString(2, name);
        ps.executeUpdate();
      }
      if (deleted[0]) {
        keys.appendAudit(c, audit);
      }
    });
    return deleted[0];
  }

  /**
   * Returns a version, or the newest when {@code version} is empty.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}, or {@link Reason#TAMPERED} when the record does not open
   */
  public Optional<SecretVersion> get(String tenant, String name, Optional<String> version) throws StoreException {
    String sql = "SELECT v.*, s.kbs_path FROM kb_secret_versions v JOIN kb_secrets s ON s.tenant = v.tenant AND s.name = v.name "
        + "WHERE v.tenant = ? AND v.name = ? " + (version.isPresent() ? "AND v.version = ?" : "ORDER BY v.seq DESC LIMIT 1");
    try (Connection c = keys.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      if (version.isPresent()) {
        ps.setString(3, version.get());
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read secret " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the name of the tenant's secret served as KBS resource {@code path}, if any.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public Optional<String> nameForKbsResource(String tenant, String path) throws StoreException {
    try (Connection c = keys.connection();
        PreparedStatement ps = c.prepareStatement("SELECT name FROM kb_secrets WHERE tenant = ? AND kbs_path = ?")) {
      ps.setString(1, tenant);
      ps.setString(2, path);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot look up KBS resource " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the newest version of each of the tenant's secrets whose newest version carries the tag
   * {@code tag} with the value {@code value} (exactly), by name, at most {@code limit}.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#TAMPERED}
   */
  public List<SecretVersion> latestTagged(String tenant, String tag, String value, int limit) throws StoreException {
    // The LIKE narrows the scan (tags are stored as compact JSON text); the exact check is done on the parsed tags.
    String pattern = "%" + Json.write(new JsonString(tag)) + ":" + Json.write(new JsonString(value)) + "%";
    String sql = "SELECT v.*, s.kbs_path FROM kb_secret_versions v JOIN kb_secrets s ON s.tenant = v.tenant AND s.name = v.name "
        + "WHERE v.tenant = ? AND v.tags LIKE ? AND v.seq = (SELECT MAX(x.seq) FROM kb_secret_versions x "
        + "WHERE x.tenant = v.tenant AND x.name = v.name) ORDER BY v.name LIMIT ?";
    try (Connection c = keys.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, tenant);
      ps.setString(2, pattern);
      ps.setInt(3, limit);
      List<SecretVersion> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          SecretVersion v = read(rs);
          if (value.equals(v.tags().get(tag))) {
            out.add(v);
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot list the secrets tagged " + tag + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the versions of a secret, oldest first, at most {@code limit}.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#TAMPERED}
   */
  public List<SecretVersion> versions(String tenant, String name, int limit) throws StoreException {
    try (Connection c = keys.connection();
        PreparedStatement ps = c.prepareStatement("SELECT v.*, s.kbs_path FROM kb_secret_versions v JOIN kb_secrets s "
            + "ON s.tenant = v.tenant AND s.name = v.name WHERE v.tenant = ? AND v.name = ? ORDER BY v.seq LIMIT ?")) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      ps.setInt(3, limit);
      List<SecretVersion> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot list versions of " + name + ": " + e.getMessage(), e);
    }
  }

  private static void ensureName(Connection c, String tenant, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM kb_secrets WHERE tenant = ? AND name = ?")) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_secrets (tenant, name, kbs_path) VALUES (?, ?, NULL)")) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      ps.executeUpdate();
    }
  }

  private static void setPath(Connection c, String tenant, String name, String path) throws SQLException {
    if (path != null) {
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM kb_secrets WHERE tenant = ? AND kbs_path = ?")) {
        ps.setString(1, tenant);
        ps.setString(2, path);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next() && !rs.getString(1).equals(name)) {
            throw new SQLException("CONFLICT: KBS resource " + path + " is already served by secret " + rs.getString(1));
          }
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE kb_secrets SET kbs_path = ? WHERE tenant = ? AND name = ?")) {
      if (path == null) {
        ps.setNull(1, Types.VARCHAR);
      } else {
        ps.setString(1, path);
      }
      ps.setString(2, tenant);
      ps.setString(3, name);
      if (ps.executeUpdate() != 1) {
        throw new SQLException("CONFLICT: the secret was deleted meanwhile");
      }
    }
  }

  private static void bindMutable(PreparedStatement ps, int i, SecretVersion v) throws SQLException {
    SecretAttributes a = v.attributes();
    if (v.contentType().isPresent()) {
      ps.setString(i, v.contentType().get());
    } else {
      ps.setNull(i, Types.VARCHAR);
    }
    ps.setBoolean(i + 1, a.enabled());
    setInstant(ps, i + 2, a.notBefore());
    setInstant(ps, i + 3, a.expires());
    ps.setLong(i + 4, a.created().toEpochMilli());
    ps.setLong(i + 5, a.updated().toEpochMilli());
    Map<String, JsonValue> tags = new LinkedHashMap<>();
    v.tags().forEach((k, val) -> tags.put(k, new JsonString(val)));
    ps.setString(i + 6, Json.write(new JsonObject(tags)));
    if (v.releasePolicy().isPresent()) {
      KeyReleasePolicy p = v.releasePolicy().get();
      ps.setString(i + 7, p.contentType());
      ps.setBoolean(i + 8, p.immutable());
      ps.setString(i + 9, p.policy().toJson());
    } else {
      ps.setNull(i + 7, Types.VARCHAR);
      ps.setNull(i + 8, Types.BOOLEAN);
      ps.setNull(i + 9, Types.VARCHAR);
    }
  }

  private static void setInstant(PreparedStatement ps, int i, Optional<Instant> t) throws SQLException {
    if (t.isPresent()) {
      ps.setLong(i, t.get().getEpochSecond());
    } else {
      ps.setNull(i, Types.BIGINT);
    }
  }

  private SecretVersion read(ResultSet rs) throws SQLException, StoreException {
    String tenant = rs.getString("tenant");
    String name = rs.getString("name");
    String version = rs.getString("version");
    try {
      long nbf = rs.getLong("nbf");
      Optional<Instant> notBefore = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochSecond(nbf));
      long exp = rs.getLong("exp");
      Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochSecond(exp));
      SecretAttributes attrs = new SecretAttributes(rs.getBoolean("enabled"), notBefore, expires,
          Instant.ofEpochMilli(rs.getLong("created")), Instant.ofEpochMilli(rs.getLong("updated")));
      Map<String, String> tags = new LinkedHashMap<>();
      for (Map.Entry<String, JsonValue> e : Json.parseObject(rs.getString("tags")).members().entrySet()) {
        tags.put(e.getKey(), ((JsonString) e.getValue()).value());
      }
      Optional<KeyReleasePolicy> policy = Optional.empty();
      String data = rs.getString("policy_data");
      if (data != null) {
        policy = Optional.of(new KeyReleasePolicy(rs.getString("policy_content_type"), rs.getBoolean("policy_immutable"),
            ReleasePolicy.parse(data)));
      }
      byte[] value = keys.envelope().open(new Envelope.Sealed(rs.getString("kek_id"), rs.getString("sealed_dek"),
          rs.getString("sealed_value")),
          recordId(tenant, name, version));
      try {
        return new SecretVersion(tenant, name, version, Optional.ofNullable(rs.getString("content_type")), attrs, tags, policy,
            Optional.ofNullable(rs.getString("kbs_path")), value);
      } finally {
        Arrays.fill(value, (byte) 0);
      }
    } catch (GeneralSecurityException e) {
      throw new StoreException(Reason.TAMPERED, "secret " + name + "/" + version
          + " does not open with the key-encryption key (wrong --kek-file, or the record was altered)", e);
    } catch (MalformedInputException | ClassCastException | IllegalArgumentException e) {
      throw new StoreException(Reason.TAMPERED, "secret " + name + "/" + version + " is stored in an unreadable form", e);
    }
  }

  /** The record identity bound into the sealed value (so sealed values cannot be moved between records). */
  static String recordId(String tenant, String name, String version) {
    return "kb_secret_versions/" + tenant + "/" + name + "/" + version;
  }
}
