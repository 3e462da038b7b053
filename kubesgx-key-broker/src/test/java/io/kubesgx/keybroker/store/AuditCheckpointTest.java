package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MACed head checkpoint: deleting the newest audit entries, or touching the checkpoint, is detected. */
class AuditCheckpointTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static Envelope env(byte[] kek) {
    return Envelope.of(kek, RANDOM);
  }

  private static byte[] kek() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  private static Path fiveEntries(Path dir, byte[] kek) throws Exception {
    Path db = dir.resolve("kb.db");
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, env(kek), Clock.systemUTC())) {
      for (int i = 0; i < 5; i++) {
        s.audit(new AuditEntry("admin", "release", "k", "", "jti-" + i, "https://iss", "ok", "entry " + i));
      }
      KeyStore.AuditCheck c = s.verifyAudit();
      assertTrue(c.intact() && c.checkpointVerified(), c.toString());
      assertEquals("verified at seq 5", c.checkpoint());
    }
    return db;
  }

  private static KeyStore.AuditCheck verify(Path db, byte[] kek) throws Exception {
    try (KeyStore s = KeyStore.openForAudit("jdbc:sqlite:" + db, null, null, env(kek), Clock.systemUTC())) {
      return s.verifyAudit();
    }
  }

  @Test
  void verifyAudit_newestEntriesDeleted_reportsTruncation(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    sql(db, "DELETE FROM kb_audit WHERE seq > 3");
    KeyStore.AuditCheck c = verify(db, kek);
    assertFalse(c.intact());
    assertEquals("truncated: head seq 3, checkpoint says 5", c.problem());
    assertEquals(3, c.entries());
  }

  @Test
  void verifyAudit_everyEntryDeleted_reportsTruncation(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    sql(db, "DELETE FROM kb_audit");
    assertEquals("truncated: head seq 0, checkpoint says 5", verify(db, kek).problem());
  }

  @Test
  void verifyAudit_checkpointMovedBackWithoutKek_reportsAltered(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    sql(db, "DELETE FROM kb_audit WHERE seq > 3");
    sql(db, "UPDATE kb_audit_head SET seq = 3, hash = (SELECT hash FROM kb_audit WHERE seq = 3)");
    KeyStore.AuditCheck c = verify(db, kek);
    assertFalse(c.intact());
    assertTrue(c.problem().contains("checkpoint was altered"), c.problem());
  }

  @Test
  void verifyAudit_checkpointDeleted_reportsMissing(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    sql(db, "DELETE FROM kb_audit_head");
    KeyStore.AuditCheck c = verify(db, kek);
    assertFalse(c.intact());
    assertTrue(c.problem().contains("checkpoint is missing"), c.problem());
  }

  @Test
  void verifyAudit_entryAppendedOutsideTheBroker_reported(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    // A forger can compute the unkeyed chain hash, but not move the MACed checkpoint.
    AuditEntry forged = new AuditEntry("admin", "release", "k", "", "jti-x", "https://iss", "ok", "forged");
    String prev;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT hash FROM kb_audit WHERE seq = 5")) {
      rs.next();
      prev = rs.getString(1);
    }
    java.time.Instant at = java.time.Instant.ofEpochMilli(System.currentTimeMillis());
    String hash = KeyStore.sha256Hex(forged.hashedText(6, at, prev));
    sql(db, "INSERT INTO kb_audit (seq, at_millis, actor, action, key_name, key_version, jti, issuer, result, detail, prev_hash, hash) "
        + "VALUES (6, " + at.toEpochMilli() + ", 'admin', 'release', 'k', '', 'jti-x', 'https://iss', 'ok', 'forged', '" + prev
        + "', '" + hash + "')");
    KeyStore.AuditCheck c = verify(db, kek);
    assertFalse(c.intact(), c.toString());
    assertEquals("entries 6..6 were added outside the broker: head seq 6, checkpoint says 5", c.problem());
  }

  @Test
  void verifyAudit_withoutKek_chainCheckedCheckpointNot(@TempDir Path dir) throws Exception {
    byte[] kek = kek();
    Path db = fiveEntries(dir, kek);
    try (KeyStore s = KeyStore.openForAudit("jdbc:sqlite:" + db, null, null, Clock.systemUTC())) {
      KeyStore.AuditCheck c = s.verifyAudit();
      assertTrue(c.intact());
      assertFalse(c.checkpointVerified());
      assertTrue(c.checkpoint().startsWith("not checked"), c.checkpoint());
    }
  }

  @Test
  void verifyAudit_afterRotation_checkpointVerifiesWithNewKekAlone(@TempDir Path dir) throws Exception {
    byte[] a = kek();
    byte[] b = kek();
    Path db = fiveEntries(dir, a);
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.ring(b, List.of(a), RANDOM), Clock.systemUTC())) {
      s.rotateKek(10, "test");
    }
    KeyStore.AuditCheck c = verify(db, b);
    assertTrue(c.intact() && c.checkpointVerified(), c.toString());
    assertEquals(6, c.entries());
  }

  private static void sql(Path db, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }
}
