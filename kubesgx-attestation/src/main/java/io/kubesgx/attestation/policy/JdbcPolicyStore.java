package io.kubesgx.attestation.policy;

import io.kubesgx.attestation.AttestationType;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A policy store over JDBC: SQLite (embedded, the default, {@code jdbc:sqlite:FILE}) or PostgreSQL
 * ({@code jdbc:postgresql://…}, for several replicas). The schema is created (and older schemas
 * migrated) on first use; every change appends a row to {@code policy_audit}, which is never updated
 * or deleted. The newest signed {@code iat} accepted per attestation type lives in {@code
 * policy_high_water}; a signed change moves it forward with a conditional {@code UPDATE … WHERE
 * signed_iat < ?} inside the change's transaction, so two replicas can never both accept the same
 * or an older signed document.
 *
 * <p>One connection is used under a lock: policy reads are cached by the service, so the store
 * sees a few queries per second at most.
 */
public final class JdbcPolicyStore implements PolicyStore {
  private final String url;
  private final Clock clock;
  private final Properties properties;
  private Connection connection;

  private JdbcPolicyStore(String url, Properties properties, Clock clock) {
    this.url = url;
    this.properties = properties;
    this.clock = clock;
  }

  /**
   * Opens a store and creates its tables when missing.
   *
   * @param url a {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL
   * @param user database user, or null
   * @param password database password, or null
   */
  public static JdbcPolicyStore open(String url, String user, String password, Clock clock) throws IOException {
    if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
      throw new IOException("unsupported database URL " + redact(url) + "; use jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB");
    }
    Properties p = new Properties();
    if (user != null) {
      p.setProperty("user", user);
    }
    if (password != null) {
      p.setProperty("password", password);
    }
    JdbcPolicyStore s = new JdbcPolicyStore(url, p, clock);
    s.init();
    return s;
  }

  private synchronized Connection connection() throws SQLException {
    if (connection == null || connection.isClosed() || !connection.isValid(2)) {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException ignored) {
          // replaced below
        }
      }
      connection = DriverManager.getConnection(url, properties);
      if (url.startsWith("jdbc:sqlite:")) {
        try (Statement st = connection.createStatement()) {
          st.execute("PRAGMA busy_timeout = 5000");
          st.execute("PRAGMA journal_mode = WAL");
        }
      }
    }
    return connection;
  }

  private synchronized void init() throws IOException {
    String serial = url.startsWith("jdbc:postgresql:") ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
    try (Statement st = connection().createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS policies ("
          + "attestation_type VARCHAR(64) PRIMARY KEY, policy_text TEXT NOT NULL, policy_jws TEXT NOT NULL, "
          + "signer_jwk TEXT, updated_at BIGINT NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS policy_audit ("
          + "id " + serial + ", at BIGINT NOT NULL, attestation_type VARCHAR(64) NOT NULL, "
          + "action VARCHAR(16) NOT NULL, actor TEXT NOT NULL, policy_jws TEXT)");
      st.execute("CREATE TABLE IF NOT EXISTS policy_high_water ("
          + "attestation_type VARCHAR(64) PRIMARY KEY, signed_iat BIGINT NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS policy_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)");
      st.execute(url.startsWith("jdbc:postgresql:")
          ? "INSERT INTO policy_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
          : "INSERT OR IGNORE INTO policy_version (id, version) VALUES (1, 0)");
      // migration: audit rows written before the sender was recorded apart from the signer keep
      // only their actor column; the new columns are NULL there
      addColumnIfMissing("policy_audit", "sender", "TEXT");
      addColumnIfMissing("policy_audit", "signer", "TEXT");
      addColumnIfMissing("policy_audit", "signed_iat", "BIGINT");
    } catch (SQLException e) {
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE,
          "cannot prepare the policy database " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  private void addColumnIfMissing(String table, String column, String sqlType) throws SQLException {
    if (url.startsWith("jdbc:postgresql:")) {
      try (Statement st = connection().createStatement()) {
        st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column + " " + sqlType);
      }
      return;
    }
    if (hasColumn(table, column)) {
      return;
    }
    try (Statement st = connection().createStatement()) {
      st.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + sqlType);
    } catch (SQLException e) {
      if (!hasColumn(table, column)) { // another process may have added it meanwhile
        throw e;
      }
    }
  }

  private boolean hasColumn(String table, String column) throws SQLException {
    try (ResultSet rs = connection().getMetaData().getColumns(null, null, table, null)) {
      while (rs.next()) {
        if (column.equalsIgnoreCase(rs.getString("COLUMN_NAME"))) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public synchronized Optional<StoredPolicy> get(AttestationType type) throws IOException {
    try (PreparedStatement ps = connection().prepareStatement(
        "SELECT policy_text, policy_jws, signer_jwk, updated_at FROM policies WHERE attestation_type = ?")) {
      ps.setString(1, type.pathName());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new StoredPolicy(rs.getString(1), rs.getString(2), Optional.ofNullable(rs.getString(3)),
            Instant.ofEpochMilli(rs.getLong(4))));
      }
    } catch (SQLException e) {
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE, "cannot read the policy for " + type.pathName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void put(AttestationType type, StoredPolicy policy, PolicyChange change) throws IOException {
    Connection c = null;
    try {
      c = connection();
      c.setAutoCommit(false);
      advanceHighWater(c, type, change);
      try (PreparedStatement del = c.prepareStatement("DELETE FROM policies WHERE attestation_type = ?");
          PreparedStatement ins = c.prepareStatement(
              "INSERT INTO policies (attestation_type, policy_text, policy_jws, signer_jwk, updated_at) VALUES (?, ?, ?, ?, ?)")) {
        del.setString(1, type.pathName());
        del.executeUpdate();
        ins.setString(1, type.pathName());
        ins.setString(2, policy.text());
        ins.setString(3, policy.jws());
        ins.setString(4, policy.signerJwk().orElse(null));
        ins.setLong(5, policy.updatedAt().toEpochMilli());
        ins.executeUpdate();
      }
      audit(c, type, "put", change, policy.jws());
      c.commit();
    } catch (PolicyStoreException e) {
      rollback(c);
      throw e;
    } catch (SQLException e) {
      rollback(c);
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE,
          "cannot store the policy for " + type.pathName() + ": " + e.getMessage(), e);
    } finally {
      autoCommit(c);
    }
  }

  @Override
  public synchronized void reset(AttestationType type, PolicyChange change) throws IOException {
    Connection c = null;
    try {
      c = connection();
      c.setAutoCommit(false);
      advanceHighWater(c, type, change);
      try (PreparedStatement del = c.prepareStatement("DELETE FROM policies WHERE attestation_type = ?")) {
        del.setString(1, type.pathName());
        del.executeUpdate();
      }
      audit(c, type, "reset", change, null);
      c.commit();
    } catch (PolicyStoreException e) {
      rollback(c);
      throw e;
    } catch (SQLException e) {
      rollback(c);
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE,
          "cannot reset the policy for " + type.pathName() + ": " + e.getMessage(), e);
    } finally {
      autoCommit(c);
    }
  }

  @Override
  public synchronized long version() throws IOException {
    try (Statement st = connection().createStatement();
        ResultSet rs = st.executeQuery("SELECT version FROM policy_version WHERE id = 1")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE, "cannot read the policy version: " + e.getMessage(), e);
    }
  }

  /**
   * Moves the type's high-water mark to the change's signed {@code iat}, or throws {@code NOT_NEWER}
   * when it is not strictly newer. Runs first in the change's transaction: PostgreSQL's row lock
   * (and SQLite's write lock) make a concurrent change wait and then see the moved mark.
   */
  private void advanceHighWater(Connection c, AttestationType type, PolicyChange change) throws SQLException, PolicyStoreException {
    if (change.signedAt().isEmpty()) {
      return;
    }
    long iat = change.signedAt().get().getEpochSecond();
    try (PreparedStatement ins = c.prepareStatement(url.startsWith("jdbc:postgresql:")
            ? "INSERT INTO policy_high_water (attestation_type, signed_iat) VALUES (?, -1) ON CONFLICT (attestation_type) DO NOTHING"
            : "INSERT OR IGNORE INTO policy_high_water (attestation_type, signed_iat) VALUES (?, -1)");
        PreparedStatement up = c.prepareStatement(
            "UPDATE policy_high_water SET signed_iat = ? WHERE attestation_type = ? AND signed_iat < ?")) {
      ins.setString(1, type.pathName());
      ins.executeUpdate();
      up.setLong(1, iat);
      up.setString(2, type.pathName());
      up.setLong(3, iat);
      if (up.executeUpdate() == 1) {
        return;
      }
    }
    long stored = highWater(c, type);
    throw new PolicyStoreException(PolicyStoreException.Reason.NOT_NEWER,
        "the signed " + type.pathName() + " policy document has iat " + Instant.ofEpochSecond(iat)
            + ", which is not newer than the newest signed document already accepted (iat " + Instant.ofEpochSecond(stored)
            + "); sign the document again with a current iat (a replayed or older document is refused)", null);
  }

  private static long highWater(Connection c, AttestationType type) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT signed_iat FROM policy_high_water WHERE attestation_type = ?")) {
      ps.setString(1, type.pathName());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }

  /** Returns the newest signed {@code iat} accepted for a type, if any signed change was accepted. */
  public synchronized Optional<Instant> highWater(AttestationType type) throws IOException {
    try {
      long v = highWater(connection(), type);
      return v < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(v));
    } catch (SQLException e) {
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE, "cannot read the policy high-water mark: " + e.getMessage(), e);
    }
  }

  /** Returns the audit log, oldest first, as lines {@code at type action actor}. */
  public synchronized List<String> auditLog() throws IOException {
    List<String> out = new ArrayList<>();
    for (PolicyAuditEntry e : auditEntries()) {
      out.add(e.at() + " " + e.attestationType() + " " + e.action() + " " + e.actor());
    }
    return out;
  }

  /** Returns the audit log, oldest first. */
  public synchronized List<PolicyAuditEntry> auditEntries() throws IOException {
    List<PolicyAuditEntry> out = new ArrayList<>();
    try (Statement st = connection().createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT at, attestation_type, action, actor, sender, signer, signed_iat FROM policy_audit ORDER BY id")) {
      while (rs.next()) {
        long iat = rs.getLong(7);
        Optional<Instant> signedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochSecond(iat));
        out.add(new PolicyAuditEntry(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3), rs.getString(4),
            Optional.ofNullable(rs.getString(5)), Optional.ofNullable(rs.getString(6)), signedAt));
      }
    } catch (SQLException e) {
      throw new PolicyStoreException(PolicyStoreException.Reason.UNAVAILABLE, "cannot read the audit log: " + e.getMessage(), e);
    }
    return out;
  }

  private void audit(Connection c, AttestationType type, String action, PolicyChange change, String jws) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO policy_audit "
            + "(at, attestation_type, action, actor, policy_jws, sender, signer, signed_iat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement v = c.prepareStatement("UPDATE policy_version SET version = version + 1 WHERE id = 1")) {
      ps.setLong(1, clock.millis());
      ps.setString(2, type.pathName());
      ps.setString(3, action);
      ps.setString(4, change.describe());
      ps.setString(5, jws);
      ps.setString(6, change.sender());
      ps.setString(7, change.signer().orElse(null));
      if (change.signedAt().isPresent()) {
        ps.setLong(8, change.signedAt().get().getEpochSecond());
      } else {
        ps.setNull(8, java.sql.Types.BIGINT);
      }
      ps.executeUpdate();
      v.executeUpdate();
    }
  }

  private static void rollback(Connection c) {
    if (c != null) {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is re-validated on next use
      }
    }
  }

  private static void autoCommit(Connection c) {
    if (c != null) {
      try {
        c.setAutoCommit(true);
      } catch (SQLException ignored) {
        // the connection is re-validated on next use
      }
    }
  }

  private static String redact(String url) {
    return url.replaceAll("password=[^&;]*", "password=***");
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
      connection = null;
    }
  }
}
