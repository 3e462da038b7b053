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
 * #verifyAudit()} recomputes the chain. Every append also updates a head checkpoint ({@code
 * kb_audit_head}: seq and hash of the newest entry, MACed with a key derived from the KEK) in the same
 * transaction, so deleting the newest entries is detected too.
 *
 * <p>Sealed records carry the id of the KEK wrapping their data key; {@link #rotateKek} re-wraps
 * every data key of every table in {@link #SEALED_TABLES} to the current KEK in small transactions
 * while the store keeps serving.
 */
public final class KeyStore implements AutoCloseable {
  /** {@code prev_hash} of the first audit entry. */
  public static final String GENESIS = "0".repeat(64);

  /**
   * A table holding records sealed by {@link Envelope}: its key columns, the column of the sealed
   * data key, the column of the wrapping KEK's id, and how a row's key values name the record (the
   * associated data it was sealed with). {@link #rotateKek} re-wraps every table in {@link
   * #SEALED_TABLES}.
   *
   * @param table table name
   * @param keyColumns primary-key columns, in order
   * @param sealedDekColumn column holding the sealed data key
   * @param kekIdColumn column holding the wrapping KEK's id
   * @param recordId maps the key column values (as strings, in order) to the record id used as associated data
   */
  public record SealedTable(
      String table, List<String> keyColumns, String sealedDekColumn, String kekIdColumn,
      java.util.function.Function<List<String>, String> recordId) {
    private static final java.util.regex.Pattern IDENT = java.util.regex.Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** Checks that every name is a plain SQL identifier (they are spliced into statements). */
    public SealedTable {
      keyColumns = List.copyOf(keyColumns);
      if (keyColumns.isEmpty()) {
        throw new IllegalArgumentException("a sealed table needs key columns");
      }
      List<String> all = new ArrayList<>(keyColumns);
      all.addAll(List.of(table, sealedDekColumn, kekIdColumn));
      for (String id : all) {
        if (!IDENT.matcher(id).matches()) {
          throw new IllegalArgumentException("not a plain SQL identifier: " + id);
        }
      }
      java.util.Objects.requireNonNull(recordId, "recordId");
    }
  }

  /** The key versions: {@code kb_key_versions/[TENANT/]NAME/VERSION} (the default tenant without its name). */
  public static final SealedTable KEY_VERSIONS = new SealedTable("kb_key_versions", List.of("tenant", "name", "version"),
      "sealed_dek", "kek_id", k -> recordId(k.get(0), k.get(1), k.get(2)));

  /** The secret versions: {@code kb_secret_versions/TENANT/NAME/VERSION}. */
  public static final SealedTable SECRET_VERSIONS = new SealedTable("kb_secret_versions", List.of("tenant", "name", "version"),
      "sealed_dek", "kek_id", k -> SecretStore.recordId(k.get(0), k.get(1), k.get(2)));

  /** Every table whose data keys {@link #rotateKek} re-wraps. */
  public static final List<SealedTable> SEALED_TABLES = List.of(KEY_VERSIONS, SECRET_VERSIONS);

  private final HikariDataSource pool;
  private volatile Envelope envelope;
  private final boolean kekKnown;
  private final Clock clock;
  private final boolean postgres;
  private final ReentrantLock writeLock = new ReentrantLock();

  private KeyStore(HikariDataSource pool, Envelope envelope, boolean kekKnown, Clock clock, boolean postgres) {
    this.pool = pool;
    this.envelope = envelope;
    this.kekKnown = kekKnown;
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
    return open(url, user, password, envelope, true, clock);
  }

  private static KeyStore open(String url, String user, String password, Envelope envelope, boolean kekKnown, Clock clock)
      throws StoreException {
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
      // Write transactions take the write lock at BEGIN (waiting up to the busy timeout), so writers in
      // two processes (the server and `kek rotate`) queue instead of failing on a stale snapshot.
      hc.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    }
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot open the database " + redact(url) + ": " + rootMessage(e), e);
    }
    boolean checkpointAdded;
    try {
      org.flywaydb.core.api.output.MigrateResult r = Flyway.configure().dataSource(ds).locations("classpath:db/keybroker")
          .table("kb_schema_history").load().migrate();
      checkpointAdded = r.migrations.stream().anyMatch(m -> "5".equals(m.version));
    } catch (RuntimeException e) {
      ds.close();
      throw new StoreException(Reason.UNAVAILABLE, "cannot migrate the database " + redact(url) + ": " + rootMessage(e), e);
    }
    KeyStore s = new KeyStore(ds, envelope, kekKnown, clock, pg);
    if (checkpointAdded && kekKnown) {
      try {
        s.write(c -> {
          Optional<String[]> head = auditHead(c);
          if (head.isPresent()) { // a log from before checkpoints: start the checkpoint at its current head
            writeCheckpoint(c, s.envelope, Long.parseLong(head.get()[0]), head.get()[1]);
          }
        });
      } catch (StoreException e) {
        s.close();
        throw e;
      }
    }
    return s;
  }

  /**
   * Opens the store only to read or check the audit log: key reads fail with {@link Reason#TAMPERED}
   * because no key-encryption key is given.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} when the database cannot be opened or migrated
   */
  public static KeyStore openForAudit(String url, String user, String password, Clock clock) throws StoreException {
    java.security.SecureRandom r = new java.security.SecureRandom();
    byte[] unrelated = new byte[Envelope.KEK_BYTES];
    r.nextBytes(unrelated);
    return open(url, user, password, Envelope.of(unrelated, r), false, clock);
  }

  /**
   * Opens the store to read or check the audit log with the broker's KEK ring, so {@link
   * #verifyAudit()} also checks the head checkpoint.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE} when the database cannot be opened or migrated
   */
  public static KeyStore openForAudit(String url, String user, String password, Envelope envelope, Clock clock)
      throws StoreException {
    return open(url, user, password, envelope, true, clock);
  }

  /**
   * Replaces the KEK ring (after the KEK files changed): new records are sealed under its current
   * KEK; records open with any KEK of it.
   */
  public void replaceEnvelope(Envelope next) {
    this.envelope = java.util.Objects.requireNonNull(next, "next");
  }

  /** Returns the id of the KEK new records are sealed under. */
  public String currentKekId() {
    return envelope.currentKekId();
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
          + "public_jwk, sealed_dek, sealed_material, kek_id, tenant) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, v.name());
        ps.setString(2, v.version());
        ps.setLong(3, seq);
        ps.setString(4, v.type().wire());
        ps.setInt(5, v.material().size());
        bindMutable(ps, 6, v);
        ps.setString(17, Json.write(toJson(v.material().publicJwk())));
        ps.setString(18, sealed.dek());
        ps.setString(19, sealed.content());
        ps.setString(20, sealed.kekId());
        ps.setString(21, tenant);
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
      byte[] secret = envelope.open(new Envelope.Sealed(rs.getString("kek_id"), rs.getString("sealed_dek"),
          rs.getString("sealed_material")), recordId(tenant, name, version));
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

  // ---------------------------------------------------------------- KEK rotation

  /**
   * What a rotation did.
   *
   * @param kekId the current KEK every data key is now wrapped by
   * @param rewrapped data keys re-wrapped
   * @param failed records that could not be re-wrapped, each with the reason (they stay as they were)
   * @param remaining per KEK id (or {@code "none"} for records from before KEK ids), the records not
   *     under {@code kekId} after the rotation; empty when the previous KEKs can be removed
   */
  public record Rotation(String kekId, long rewrapped, List<String> failed, Map<String, Long> remaining) {
    /** Copies the collections. */
    public Rotation {
      failed = List.copyOf(failed);
      remaining = Map.copyOf(remaining);
    }
  }

  /**
   * Re-wraps every data key of every table in {@link #SEALED_TABLES} to the current KEK, {@code
   * batchSize} records per transaction, and audits the rotation. Reads and writes continue meanwhile:
   * a record re-wrapped or written during the rotation opens with the ring either way. The data keys
   * and the sealed contents do not change.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public Rotation rotateKek(int batchSize, String actor) throws StoreException {
    return rotateKek(SEALED_TABLES, batchSize, actor);
  }

  /**
   * Like {@link #rotateKek(int, String)} over {@code tables}.
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public Rotation rotateKek(List<SealedTable> tables, int batchSize, String actor) throws StoreException {
    if (batchSize < 1 || batchSize > 10_000) {
      throw new IllegalArgumentException("the batch size must be 1..10000");
    }
    Envelope env = envelope;
    String current = env.currentKekId();
    long rewrapped = 0;
    Map<String, String> failures = new LinkedHashMap<>();
    for (SealedTable t : tables) {
      List<String> last = null;
      while (true) {
        List<String[]> batch = pendingBatch(t, current, last, batchSize);
        if (batch.isEmpty()) {
          break;
        }
        int n = t.keyColumns().size();
        last = List.of(java.util.Arrays.copyOf(batch.get(batch.size() - 1), n)); // key columns are never null
        long[] done = {0};
        write(c -> {
          done[0] = 0;
          String where = String.join(" = ? AND ", t.keyColumns()) + " = ? AND " + t.sealedDekColumn() + " = ?";
          try (PreparedStatement ps = c.prepareStatement("UPDATE " + t.table() + " SET " + t.sealedDekColumn() + " = ?, "
              + t.kekIdColumn() + " = ? WHERE " + where)) {
            for (String[] row : batch) {
              List<String> key = List.of(java.util.Arrays.copyOf(row, n));
              String recordId = t.recordId().apply(key);
              String next;
              try {
                next = env.rewrap(row[n + 1], row[n], recordId);
              } catch (StoreException | GeneralSecurityException e) {
                failures.put(recordId, e instanceof StoreException ? e.getMessage() : recordId + " does not open (altered or moved)");
                continue;
              }
              ps.setString(1, next);
              ps.setString(2, current);
              for (int i = 0; i < n; i++) {
                ps.setString(3 + i, key.get(i));
              }
              ps.setString(3 + n, row[n]); // only if unchanged meanwhile
              done[0] += ps.executeUpdate();
            }
          }
        });
        rewrapped += done[0];
      }
    }
    List<String> failed = List.copyOf(failures.values());
    Map<String, Long> remaining = new LinkedHashMap<>();
    for (SealedTable t : tables) {
      for (Map.Entry<String, Long> e : kekUsage(t).entrySet()) {
        if (!e.getKey().equals(current)) {
          remaining.merge(e.getKey(), e.getValue(), Long::sum);
        }
      }
    }
    String detail = "re-wrapped " + rewrapped + " data keys to key-encryption key " + current
        + (failed.isEmpty() ? "" : "; " + failed.size() + " records could not be re-wrapped: " + String.join("; ", failed))
        + (remaining.isEmpty() ? "" : "; still under other KEKs: " + remaining);
    audit(new AuditEntry(actor, "kek-rotate", null, null, null, null, failed.isEmpty() ? "ok" : "error", detail));
    return new Rotation(current, rewrapped, failed, remaining);
  }

  /** Rows of {@code t} not under {@code current} after key {@code after}: key values, sealed DEK, KEK id. */
  private List<String[]> pendingBatch(SealedTable t, String current, List<String> after, int limit) throws StoreException {
    List<String> k = t.keyColumns();
    String cols = String.join(", ", k);
    String sql = "SELECT " + cols + ", " + t.sealedDekColumn() + ", " + t.kekIdColumn() + " FROM " + t.table()
        + " WHERE (" + t.kekIdColumn() + " IS NULL OR " + t.kekIdColumn() + " <> ?)"
        + (after == null ? "" : " AND (" + cols + ") > (" + String.join(", ", java.util.Collections.nCopies(k.size(), "?")) + ")")
        + " ORDER BY " + cols + " LIMIT ?";
    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setString(i++, current);
      if (after != null) {
        for (String v : after) {
          ps.setString(i++, v);
        }
      }
      ps.setInt(i, limit);
      List<String[]> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String[] row = new String[k.size() + 2];
          for (int j = 0; j < row.length; j++) {
            row[j] = rs.getString(j + 1);
          }
          out.add(row);
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read " + t.table() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Counts the records of {@code t} per wrapping KEK id ({@code "none"}: from before KEK ids).
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public Map<String, Long> kekUsage(SealedTable t) throws StoreException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COALESCE(" + t.kekIdColumn() + ", 'none'), COUNT(*) FROM " + t.table()
            + " GROUP BY COALESCE(" + t.kekIdColumn() + ", 'none')");
        ResultSet rs = ps.executeQuery()) {
      Map<String, Long> out = new LinkedHashMap<>();
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read " + t.table() + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- audit

  /**
   * Appends an audit entry on its own (releases and denials).
   *
   * @throws StoreException {@link Reason#UNAVAILABLE}
   */
  public void audit(AuditEntry entry) throws StoreException {
    // Group commit: entries queued while another thread holds the write lock are appended together in
    // the next transaction, so concurrent releases share one commit (one WAL sync) instead of one each.
    PendingAudit mine = new PendingAudit(entry, new java.util.concurrent.CompletableFuture<>());
    pendingAudits.add(mine);
    writeLock.lock();
    try {
      while (!mine.done().isDone()) {
        List<PendingAudit> batch = new ArrayList<>();
        for (PendingAudit p; batch.size() < MAX_AUDIT_BATCH && (p = pendingAudits.poll()) != null; ) {
          batch.add(p);
        }
        try {
          write(c -> {
            for (PendingAudit p : batch) {
              appendAudit(c, p.entry());
            }
          });
          batch.forEach(p -> p.done().complete(null));
        } catch (StoreException | RuntimeException e) {
          batch.forEach(p -> p.done().completeExceptionally(e));
        }
      }
    } finally {
      writeLock.unlock();
    }
    try {
      mine.done().join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof StoreException se) {
        throw new StoreException(se.reason(), se.getMessage(), se);
      }
      throw e;
    }
  }

  private static final int MAX_AUDIT_BATCH = 256;
  private final java.util.concurrent.ConcurrentLinkedQueue<PendingAudit> pendingAudits = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private record PendingAudit(AuditEntry entry, java.util.concurrent.CompletableFuture<Void> done) {}

  void appendAudit(Connection c, AuditEntry e) throws SQLException {
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
    writeCheckpoint(c, envelope, seq, hash);
  }

  /** Returns {seq, hash} of the newest audit entry, if any. */
  private static Optional<String[]> auditHead(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM kb_audit ORDER BY seq DESC LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(new String[] {Long.toString(rs.getLong(1)), rs.getString(2)}) : Optional.empty();
    }
  }

  private static String checkpointText(long seq, String hash) {
    return "kubesgx-key-broker/audit-head|" + seq + "|" + hash;
  }

  /** Sets the head checkpoint to {@code seq}/{@code hash}, MACed under the current KEK. */
  private static void writeCheckpoint(Connection c, Envelope env, long seq, String hash) throws SQLException {
    String mac = env.auditMac(checkpointText(seq, hash));
    try (PreparedStatement ps = c.prepareStatement("UPDATE kb_audit_head SET seq = ?, hash = ?, kek_id = ?, mac = ? WHERE id = 1")) {
      ps.setLong(1, seq);
      ps.setString(2, hash);
      ps.setString(3, env.currentKekId());
      ps.setString(4, mac);
      if (ps.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_audit_head (id, seq, hash, kek_id, mac) VALUES (1, ?, ?, ?, ?)")) {
      ps.setLong(1, seq);
      ps.setString(2, hash);
      ps.setString(3, env.currentKekId());
      ps.setString(4, mac);
      ps.executeUpdate();
    }
  }

  /**
   * The result of checking the audit log.
   *
   * @param intact whether the chain and (when checked) the head checkpoint hold
   * @param entries how many entries, from the first, are intact
   * @param problem what is wrong, or empty
   * @param checkpoint what the head checkpoint check found: {@code "verified at seq N"}, or why it was not checked
   * @param checkpointVerified whether the checkpoint's MAC was checked and holds
   */
  public record AuditCheck(boolean intact, long entries, String problem, String checkpoint, boolean checkpointVerified) {}

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
            return new AuditCheck(false, expected - 1, "entry " + expected + " is missing (next is " + seq + ")", "", false);
          }
          AuditEntry e = new AuditEntry(rs.getString(13), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
              rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10));
          if (!prev.equals(rs.getString(11))) {
            return new AuditCheck(false, seq - 1, "entry " + seq + " does not link to entry " + (seq - 1), "", false);
          }
          String h = sha256Hex(e.hashedText(seq, Instant.ofEpochMilli(rs.getLong(2)), prev));
          if (!h.equals(rs.getString(12))) {
            return new AuditCheck(false, seq - 1, "entry " + seq + " was altered (its hash does not match its content)", "", false);
          }
          prev = h;
          expected++;
        }
      }
      return checkCheckpoint(c, expected - 1, prev);
    } catch (SQLException e) {
      throw new StoreException(Reason.UNAVAILABLE, "cannot read the audit log: " + e.getMessage(), e);
    }
  }

  /** Compares the intact chain (ending at {@code headSeq}/{@code headHash}) with the MACed head checkpoint. */
  private AuditCheck checkCheckpoint(Connection c, long headSeq, String headHash) throws SQLException {
    long cpSeq;
    String cpHash;
    String cpKek;
    String cpMac;
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash, kek_id, mac FROM kb_audit_head WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        if (headSeq == 0) {
          return new AuditCheck(true, 0, "", "no entries yet", kekKnown);
        }
        return new AuditCheck(false, headSeq, "the head checkpoint is missing (kb_audit_head was emptied)", "missing", false);
      }
      cpSeq = rs.getLong(1);
      cpHash = rs.getString(2);
      cpKek = rs.getString(3);
      cpMac = rs.getString(4);
    }
    if (!kekKnown) {
      return new AuditCheck(true, headSeq, "", "not checked: no key-encryption key given (--kek-file)", false);
    }
    String expected = envelope.auditMac(cpKek, checkpointText(cpSeq, cpHash));
    if (expected == null) {
      return new AuditCheck(true, headSeq, "", "not checked: it is MACed with key-encryption key " + cpKek
          + ", which is not among the given KEKs " + envelope.kekIds(), false);
    }
    if (!Envelope.macEquals(expected, cpMac)) {
      return new AuditCheck(false, headSeq, "the head checkpoint was altered (its MAC does not verify)", "altered", false);
    }
    if (cpSeq > headSeq) {
      return new AuditCheck(false, headSeq, "truncated: head seq " + headSeq + ", checkpoint says " + cpSeq,
          "says seq " + cpSeq, true);
    }
    if (cpSeq < headSeq) {
      return new AuditCheck(false, cpSeq, "entries " + (cpSeq + 1) + ".." + headSeq
          + " were added outside the broker: head seq " + headSeq + ", checkpoint says " + cpSeq, "says seq " + cpSeq, true);
    }
    if (!cpHash.equals(headHash)) {
      return new AuditCheck(false, headSeq - 1, "entry " + headSeq + " is not the one the checkpoint names (replaced)",
          "hash differs", true);
    }
    return new AuditCheck(true, headSeq, "", "verified at seq " + cpSeq, true);
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

  interface Tx {
    void run(Connection c) throws SQLException;
  }

  void write(Tx tx) throws StoreException {
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

  /** A pooled connection (for {@link SecretStore}, which shares this store's database, KEK and audit chain). */
  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  Envelope envelope() {
    return envelope;
  }

  @Override
  public void close() {
    pool.close();
  }
}
