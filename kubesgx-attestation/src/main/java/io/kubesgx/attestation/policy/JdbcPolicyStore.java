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
import java.util.Optional;
import java.util.Properties;

/**
 * A policy store over JDBC: SQLite (embedded, the default, {@code jdbc:sqlite:FILE}) or PostgreSQL
 * ({@code jdbc:postgresql://…}, for several replicas). The schema is created on first use; every
 * change appends a row to {@code policy_audit}, which is never updated or deleted.
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
      st.execute("CREATE TABLE IF NOT EXISTS policy_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)");
      st.execute(url.startsWith("jdbc:postgresql:")
          ? "INSERT INTO policy_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
          : "INSERT OR IGNORE INTO policy_version (id, version) VALUES (1, 0)");
    } catch (SQLException e) {
      throw new IOException("cannot prepare the policy database " + redact(url) + ": " + e.getMessage(), e);
    }
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
      throw new IOException("cannot read the policy for " + type.pathName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void put(AttestationType type, StoredPolicy policy, String actor) throws IOException {
    Connection c = null;
    try {
      c = connection();
      c.setAutoCommit(false);
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
      audit(c, type, "put", actor, policy.jws());
      c.commit();
    } catch (SQLException e) {
      rollback(c);
      throw new IOException("cannot store the policy for " + type.pathName() + ": " + e.getMessage(), e);
    } finally {
      autoCommit(c);
    }
  }

  @Override
  public synchronized void reset(AttestationType type, String actor) throws IOException {
    Connection c = null;
    try {
      c = connection();
      c.setAutoCommit(false);
      try (PreparedStatement del = c.prepareStatement("DELETE FROM policies WHERE attestation_type = ?")) {
        del.setString(1, type.pathName());
        del.executeUpdate();
      }
      audit(c, type, "reset", actor, null);
      c.commit();
    } catch (SQLException e) {
      rollback(c);
      throw new IOException("cannot reset the policy for " + type.pathName() + ": " + e.getMessage(), e);
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
      throw new IOException("cannot read the policy version: " + e.getMessage(), e);
    }
  }

  /** Returns the audit log, oldest first, as lines {@code at type action actor}. */
  public synchronized java.util.List<String> auditLog() throws IOException {
    java.util.List<String> out = new java.util.ArrayList<>();
    try (Statement st = connection().createStatement();
        ResultSet rs = st.executeQuery("SELECT at, attestation_type, action, actor FROM policy_audit ORDER BY id")) {
      while (rs.next()) {
        out.add(Instant.ofEpochMilli(rs.getLong(1)) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
      }
    } catch (SQLException e) {
      throw new IOException("cannot read the audit log: " + e.getMessage(), e);
    }
    return out;
  }

  private void audit(Connection c, AttestationType type, String action, String actor, String jws) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO policy_audit (at, attestation_type, action, actor, policy_jws) VALUES (?, ?, ?, ?, ?)");
        PreparedStatement v = c.prepareStatement("UPDATE policy_version SET version = version + 1 WHERE id = 1")) {
      ps.setLong(1, clock.millis());
      ps.setString(2, type.pathName());
      ps.setString(3, action);
      ps.setString(4, actor);
      ps.setString(5, jws);
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
