package io.kubesgx.keybroker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyReleasePolicy;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import io.kubesgx.keybroker.policy.ReleasePolicy;
import io.kubesgx.keybroker.tenant.TenantPath;
import io.kubesgx.keybroker.store.StoreException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/**
 * Key versions and the audit log over JDBC: SQLite ({@code jdbc:sqlite:FILE}, the default) or
 * PostgreSQL ({@code jdbc:postgresql://…}). Every change to a key is written in the same
 * transaction as its audit entry, so a crash leaves either both or neither. Keys belong to a tenant
 * (the methods without one address {@link TenantPath#DEFAULT}); a key of one tenant is invisible to
 * the others, and its sealed record is bound to its tenant, name and version.
 *
 * <p>The audit log is append-only and hash-chained: entry {@code n} stores {@code
 * SHA-256(text(n) )} where {@code text(n)} includes the hash of entry {@code n-1}; {@link
 * #verifyAudit()} recomputes the chain. Removing the newest entries is not detectable from the
 * chain alone (export it elsewhere to guard against that).
 */
public final class KeyStore implements AutoCloseable {
  /** {@code prev_hash} of the first audit entry. */
  public static final String GENESIS = "0".repeat(64);

  private final HikariDataSource pool;
  private final Envelope envelope;
  private final Clock clock;
  private final boolean postgres;
  private final ReentrantLock writeLock = new ReentrantLock();

  private KeyStore(HikariDataSource pool, Envelope envelope, Clock clock, boolean postgres) {
    this.pool = pool;
    this.envelope = envelope;
    this.clock = clock;
    this.postgres = postgres;
  }

  /**
   * Opens the store, migrating the schema to the newest version.
   *
   * @param url {@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://HOST/DB}
   * @param user database user, or null
   * @param password database password, or null
   * @throws StoreException {@link Reason#UNAVAILABLE} when the database cannot be opened or migrated
   * @throws IllegalArgumentException for another kind of URL
   */
  public static KeyStore open(String url, String user, String password, Envelope envelope, Clock clock) throws StoreException {
    boolean pg = url.startsWith("jdbc:postgresql:");
    if (!pg && !url.startsWith("jdbc:sqlite:")) {
      throw new IllegalArgumentException("unsupported database URL " + redact(url) + "; use jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB");
    }
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    if (user != null) {
      hc.setUsername(user);
    }
    if (password != null) {
      hc.setPassword(password);
    }
    hc.setPoolName("key-broker-db");
    hc.setMaximumPoolSize(pg ? 8 : 4);
    hc.setConnectionTimeout(5000);
    if (!pg) {
      hc.setConnectionInitSql("PRAGMA busy_timeout = 5000");
      hc.addDataSourceProperty("journal_mode", "WAL");
    }
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot open the database " + redact(url) + ": " + rootMessage(e), e);
    }
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/keybroker").table("kb_schema_history").load().migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw new StoreException(Reason.UNAVAILABLE, "cannot migrate the database " + redact(url) + ": " + rootMessage(e), e);
    }
    return new KeyStore(ds, envelope, clock, pg);
  }

  /**
   * Opens the store only to read or check the audit log: key reads fail with {@link Reason#TAMPERED}
   * because no key-encryption key is given.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} when the database cannot be opened or migrated
   */
  public static KeyStore openForAudit(String url, String user, String password, Clock clock) throws StoreException {
    return open(url, user, password, Envelope.of(new java.security.SecureRandom().generateSeed(32), new java.security.SecureRandom()), clock);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }

  /** Returns the URL without user information or query parameters (which may hold passwords). */
  static String redact(String url) {
    String s = url;
    int q = s.indexOf('?');
    if (q >= 0) {
      s = s.substring(0, q);
    }
    return s.replaceAll("//[^/@]*@", "//");
  }

  /** Returns whether the store is PostgreSQL. */
  public boolean isPostgres() {
    return postgres;
  }

  // ---------------------------------------------------------------- keys

  /**
   * Adds a new version (create or import) and its audit entry in one transaction.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#CONFLICT}
   */
  public void addVersion(KeyVersion v, AuditEntry audit) throws StoreException {
    addVersion(TenantPath.DEFAULT, v, audit);
  }

  /**
   * Adds a new version of a key of {@code tenant} and its audit entry in one transaction.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#CONFLICT}
   */
  public void addVersion(String tenant, KeyVersion v, AuditEntry audit) throws StoreException {
    write(c -> {
      long seq;
      try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM kb_key_versions WHERE tenant = ? AND name = ?")) {
        ps.setString(1, tenant);
        ps.setString(2, v.name());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          seq = rs.getLong(1) + 1;
        }
      }
      byte[] secret = v.material().exportBytes();
      Envelope.Sealed sealed;
      try {
        sealed = envelope.seal(secret, recordId(tenant, v.name(), v.version()));
      } finally {
        java.util.Arrays.fill(secret, (byte) 0);
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_key_versions (name, version, seq, kty, key_size, key_ops, "
          + "enabled, nbf, exp, exportable, created, updated, tags, policy_content_type, policy_immutable, policy_data, "
          + "public_jwk, sealed_dek, sealed_material, tenant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, v.name());
        ps.setString(2, v.version());
        ps.setLong(3, seq);
        ps.setString(4, v.type().wire());
        ps.setInt(5, v.material().size());
        bindMutable(ps, 6, v);
        ps.setString(17, Json.write(toJson(v.material().publicJwk())));
        ps.setString(18, sealed.dek());
        ps.setString(19, sealed.content());
        ps.setString(20, tenant);
        ps.executeUpdate();
      }
      appendAudit(c, audit);
    });
  }

  /**
   * Replaces the mutable parts of a version (attributes, operations, tags, policy) and audits it.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}, or {@link Reason#CONFLICT} when the version vanished
   */
  public void update(KeyVersion v, AuditEntry audit) throws StoreException {
    update(TenantPath.DEFAULT, v, audit);
  }

  /**
   * Replaces the mutable parts of a version of a key of {@code tenant} and audits it.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}, or {@link Reason#CONFLICT} when the version vanished
   */
  public void update(String tenant, KeyVersion v, AuditEntry audit) throws StoreException {
    write(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE kb_key_versions SET key_ops = ?, enabled = ?, nbf = ?, exp = ?, "
          + "exportable = ?, created = ?, updated = ?, tags = ?, policy_content_type = ?, policy_immutable = ?, policy_data = ? "
          + "WHERE tenant = ? AND name = ? AND version = ?")) {
        bindMutable(ps, 1, v);
        ps.setString(12, tenant);
        ps.setString(13, v.name());
        ps.setString(14, v.version());
        if (ps.executeUpdate() != 1) {
          throw new SQLException("CONFLICT: the key version was deleted meanwhile");
        }
      }
      appendAudit(c, audit);
    });
  }

  /**
   * Deletes every version of {@code name} and audits it; returns whether anything was deleted.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public boolean delete(String name, AuditEntry audit) throws StoreException {
    return delete(TenantPath.DEFAULT, name, audit);
  }

  /**
   * Deletes every version of {@code tenant}'s key {@code name} and audits it; returns whether anything was deleted.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public boolean delete(String tenant, String name, AuditEntry audit) throws StoreException {
    boolean[] deleted = {false};
    write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM kb_key_versions WHERE tenant = ? AND name = ?")) {
        ps.setString(1, tenant);
        ps.setString(2, name);
        deleted[0] = ps.executeUpdate() > 0;
      }
      if (deleted[0]) {
        appendAudit(c, audit);
      }
    });
    return deleted[0];
  }

  /**
   * Returns a version, or the newest when {@code version} is empty.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}, or {@link Reason#TAMPERED} when the record does not open
   */
  public Optional<KeyVersion> get(String name, Optional<String> version) throws StoreException {
    return get(TenantPath.DEFAULT, name, version);
  }

  /**
   * Returns a version of {@code tenant}'s key {@code name}, or the newest when {@code version} is empty.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}, or {@link Reason#TAMPERED} when the record does not open
   */
  public Optional<KeyVersion> get(String tenant, String name, Optional<String> version) throws StoreException {
    String sql = "SELECT * FROM kb_key_versions WHERE tenant = ? AND name = ? "
        + (version.isPresent() ? "AND version = ?" : "ORDER BY seq DESC LIMIT 1");
    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      if (version.isPresent()) {
        ps.setString(3, version.get());
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read key " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the versions of {@code name}, oldest first, at most {@code limit}.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#TAMPERED}
   */
  public List<KeyVersion> versions(String name, int limit) throws StoreException {
    return versions(TenantPath.DEFAULT, name, limit);
  }

  /**
   * Returns the versions of {@code tenant}'s key {@code name}, oldest first, at most {@code limit}.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} or {@link Reason#TAMPERED}
   */
  public List<KeyVersion> versions(String tenant, String name, int limit) throws StoreException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT * FROM kb_key_versions WHERE tenant = ? AND name = ? ORDER BY seq LIMIT ?")) {
      ps.setString(1, tenant);
      ps.setString(2, name);
      ps.setInt(3, limit);
      List<KeyVersion> out = new ArrayList<>();
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

  private void bindMutable(PreparedStatement ps, int i, KeyVersion v) throws SQLException {
    KeyAttributes a = v.attributes();
    ps.setString(i, String.join(",", v.keyOps()));
    ps.setBoolean(i + 1, a.enabled());
    setInstant(ps, i + 2, a.notBefore());
    setInstant(ps, i + 3, a.expires());
    ps.setBoolean(i + 4, a.exportable());
    ps.setLong(i + 5, a.created().toEpochMilli());
    ps.setLong(i + 6, a.updated().toEpochMilli());
    Map<String, JsonValue> tags = new LinkedHashMap<>();
    v.tags().forEach((k, val) -> tags.put(k, new JsonString(val)));
    ps.setString(i + 7, Json.write(new JsonObject(tags)));
    if (v.releasePolicy().isPresent()) {
      KeyReleasePolicy p = v.releasePolicy().get();
      ps.setString(i + 8, p.contentType());
      ps.setBoolean(i + 9, p.immutable());
      ps.setString(i + 10, p.policy().toJson());
    } else {
      ps.setNull(i + 8, Types.VARCHAR);
      ps.setNull(i + 9, Types.BOOLEAN);
      ps.setNull(i + 10, Types.VARCHAR);
    }
  }

  private static void setInstant(PreparedStatement ps, int i, Optional<Instant> t) throws SQLException {
    if (t.isPresent()) {
      ps.setLong(i, t.get().getEpochSecond());
    } else {
      ps.setNull(i, Types.BIGINT);
    }
  }

  private KeyVersion read(ResultSet rs) throws SQLException, StoreException {
    String tenant = rs.getString("tenant");
    String name = rs.getString("name");
    String version = rs.getString("version");
    try {
      KeyType type = KeyType.parse(rs.getString("kty")).orElseThrow(() -> new MalformedInputException("bad kty"));
      long nbf = rs.getLong("nbf");
      Optional<Instant> notBefore = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochSecond(nbf));
      long exp = rs.getLong("exp");
      Optional<Instant> expires = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochSecond(exp));
      KeyAttributes attrs = new KeyAttributes(rs.getBoolean("enabled"), notBefore, expires, rs.getBoolean("exportable"),
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
      String ops = rs.getString("key_ops");
      Map<String, Object> publicJwk = com.nimbusds.jose.util.JSONObjectUtils.parse(rs.getString("public_jwk"));
      byte[] secret = envelope.open(new Envelope.Sealed(rs.getString("sealed_dek"), rs.getString("sealed_material")),
          recordId(tenant, name, version));
      KeyMaterial material;
      try {
        material = KeyMaterial.restore(type.kind(), secret, publicJwk, rs.getInt("key_size"));
      } finally {
        java.util.Arrays.fill(secret, (byte) 0);
      }
      return new KeyVersion(name, version, type, ops.isEmpty() ? List.of() : List.of(ops.split(",")), attrs, tags, policy,
          material);
    } catch (GeneralSecurityException e) {
      throw new StoreException(Reason.TAMPERED, "key " + name + "/" + version
          + " does not open with the key-encryption key (wrong --kek-file, or the record was altered)", e);
    } catch (MalformedInputException | java.text.ParseException | ClassCastException e) {
      throw new StoreException(Reason.TAMPERED, "key " + name + "/" + version + " is stored in an unreadable form", e);
    }
  }

  private static JsonObject toJson(Map<String, Object> m) {
    Map<String, JsonValue> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, new JsonString(String.valueOf(v))));
    return new JsonObject(out);
  }

  /** The associated data a record is sealed with; the default tenant's keeps the form from before tenants. */
  private static String recordId(String tenant, String name, String version) {
    return "kb_key_versions/" + (TenantPath.DEFAULT.equals(tenant) ? "" : tenant + "/") + name + "/" + version;
  }

  // ---------------------------------------------------------------- audit

  /**
   * Appends an audit entry on its own (releases and denials).
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public void audit(AuditEntry entry) throws StoreException {
    write(c -> appendAudit(c, entry));
  }

  private void appendAudit(Connection c, AuditEntry e) throws SQLException {
    long seq;
    String prev;
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM kb_audit ORDER BY seq DESC LIMIT 1")) {
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          seq = rs.getLong(1) + 1;
          prev = rs.getString(2);
        } else {
          seq = 1;
          prev = GENESIS;
        }
      }
    }
    Instant at = Instant.ofEpochMilli(clock.instant().toEpochMilli());
    String hash = sha256Hex(e.hashedText(seq, at, prev));
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_audit (seq, at_millis, actor, action, key_name, key_version, "
        + "jti, issuer, result, detail, prev_hash, hash, tenant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      ps.setLong(1, seq);
      ps.setLong(2, at.toEpochMilli());
      ps.setString(3, e.actor());
      ps.setString(4, e.action());
      ps.setString(5, e.keyName());
      ps.setString(6, e.keyVersion());
      ps.setString(7, e.jti());
      ps.setString(8, e.issuer());
      ps.setString(9, e.result());
      ps.setString(10, e.detail());
      ps.setString(11, prev);
      ps.setString(12, hash);
      ps.setString(13, e.tenant());
      ps.executeUpdate();
    }
  }

  /** The result of checking the audit chain. */
  public record AuditCheck(boolean intact, long entries, String problem) {}

  /**
   * Recomputes the audit chain from the first entry.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public AuditCheck verifyAudit() throws StoreException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT seq, at_millis, actor, action, key_name, key_version, jti, issuer, "
            + "result, detail, prev_hash, hash, tenant FROM kb_audit ORDER BY seq")) {
      ps.setFetchSize(500);
      String prev = GENESIS;
      long expected = 1;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long seq = rs.getLong(1);
          if (seq != expected) {
            return new AuditCheck(false, expected - 1, "entry " + expected + " is missing (next is " + seq + ")");
          }
          AuditEntry e = new AuditEntry(rs.getString(13), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
              rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
          if (!prev.equals(rs.getString(11))) {
            return new AuditCheck(false, seq - 1, "entry " + seq + " does not link to entry " + (seq - 1));
          }
          String h = sha256Hex(e.hashedText(seq, Instant.ofEpochMilli(rs.getLong(2)), prev));
          if (!h.equals(rs.getString(12))) {
            return new AuditCheck(false, seq - 1, "entry " + seq + " was altered (its hash does not match its content)");
          }
          prev = h;
          expected++;
        }
      }
      return new AuditCheck(true, expected - 1, "");
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read the audit log: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the audit log as JSON lines (for export), oldest first.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public List<String> auditLines(int limit) throws StoreException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT seq, at_millis, actor, action, key_name, key_version, jti, issuer, "
            + "result, detail, prev_hash, hash, tenant FROM kb_audit ORDER BY seq LIMIT ?")) {
      ps.setInt(1, limit);
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          AuditEntry e = new AuditEntry(rs.getString(13), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
              rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
          out.add(e.exportText(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(11), rs.getString(12)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read the audit log: " + e.getMessage(), e);
    }
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- transactions

  private interface Tx {
    void run(Connection c) throws SQLException;
  }

  private void write(Tx tx) throws StoreException {
    writeLock.lock(); // one writer per process; across replicas the audit PK and the lock below order writers
    try {
      for (int attempt = 1; ; attempt++) {
        try (Connection c = pool.getConnection()) {
          c.setAutoCommit(false);
          try {
            if (postgres) {
              try (PreparedStatement ps = c.prepareStatement("LOCK TABLE kb_audit IN EXCLUSIVE MODE")) {
                ps.execute();
              }
            }
            tx.run(c);
            c.commit();
            return;
          } catch (SQLException e) {
            c.rollback();
            throw e;
          } finally {
            c.setAutoCommit(true);
          }
        } catch (SQLException e) {
          if (e.getMessage() != null && e.getMessage().startsWith("CONFLICT:")) {
            throw new StoreException(Reason.CONFLICT, e.getMessage().substring(9).trim(), e);
          }
          if (attempt >= 3) {
            throw new StoreException(Reason.UNAVAILABLE, "the database write failed: " + e.getMessage(), e);
          }
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
