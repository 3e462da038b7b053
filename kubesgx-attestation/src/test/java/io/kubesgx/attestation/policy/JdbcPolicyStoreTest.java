package io.kubesgx.attestation.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.AttestationType;
import io.kubesgx.testing.MutableClock;
import io.kubesgx.testing.PostgresFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdbcPolicyStoreTest {
  static void exercise(JdbcPolicyStore s) throws Exception {
    assertEquals(Optional.empty(), s.get(AttestationType.SGX_ENCLAVE));
    long v0 = s.version();
    StoredPolicy p = new StoredPolicy("version=1.0;", PolicyDocument.unsignedJws("version=1.0;"), Optional.of("{\"kty\":\"RSA\"}"),
        Instant.parse("2026-11-29T01:00:00Z"));
    s.put(AttestationType.SGX_ENCLAVE, p, PolicyChange.unsigned("admin-token"));
    assertEquals(p, s.get(AttestationType.SGX_ENCLAVE).orElseThrow());
    assertEquals(Optional.empty(), s.get(AttestationType.OPEN_ENCLAVE), "policies are per attestation type");
    long v1 = s.version();
    assertNotEquals(v0, v1);
    StoredPolicy q = new StoredPolicy("version=1.1;", PolicyDocument.unsignedJws("version=1.1;"), Optional.empty(), Instant.parse("2026-11-29T02:00:00Z"));
    s.put(AttestationType.SGX_ENCLAVE, q, PolicyChange.unsigned("admin-token"));
    assertEquals(q, s.get(AttestationType.SGX_ENCLAVE).orElseThrow());
    s.reset(AttestationType.SGX_ENCLAVE, new PolicyChange("anonymous", Optional.of("ab"), Optional.of(Instant.ofEpochSecond(5))));
    assertEquals(Optional.empty(), s.get(AttestationType.SGX_ENCLAVE));
    List<String> log = s.auditLog();
    assertEquals(3, log.size());
    assertTrue(log.get(0).contains("SgxEnclave put sent by admin-token, unsigned"), log.toString());
    assertTrue(log.get(2).contains("SgxEnclave reset sent by anonymous, signed by ab"), log.toString());
  }

  static final Instant T = Instant.parse("2026-12-01T00:00:00Z");

  static PolicyChange signed(String sender, Instant iat) {
    return new PolicyChange(sender, Optional.of("aa11"), Optional.of(iat));
  }

  static StoredPolicy policy(String text) {
    return new StoredPolicy(text, PolicyDocument.unsignedJws(text), Optional.empty(), T);
  }

  /** Two stores over one database stand for two replicas. */
  static void rollback(JdbcPolicyStore a, JdbcPolicyStore b) throws Exception {
    AttestationType sgx = AttestationType.SGX_ENCLAVE;
    a.put(sgx, policy("version=1.0; v2"), signed("anonymous", T.plusSeconds(20)));
    PolicyStoreException older = assertThrows(PolicyStoreException.class,
        () -> b.put(sgx, policy("version=1.0; v1"), signed("anonymous", T.plusSeconds(10))));
    assertEquals(PolicyStoreException.Reason.NOT_NEWER, older.reason());
    assertTrue(older.getMessage().contains("not newer"), older.getMessage());
    PolicyStoreException same = assertThrows(PolicyStoreException.class,
        () -> b.put(sgx, policy("version=1.0; v2"), signed("anonymous", T.plusSeconds(20))));
    assertEquals(PolicyStoreException.Reason.NOT_NEWER, same.reason());
    assertEquals("version=1.0; v2", a.get(sgx).orElseThrow().text(), "a refused change leaves the stored policy");
    int rows = a.auditEntries().size();
    // per type: another type has its own mark
    b.put(AttestationType.OPEN_ENCLAVE, policy("version=1.0; oe"), signed("anonymous", T.plusSeconds(10)));
    // a reset keeps (and raises) the mark, so the old document cannot come back after it
    b.reset(sgx, signed("admin-token", T.plusSeconds(30)));
    assertEquals(Optional.of(T.plusSeconds(30)), a.highWater(sgx));
    assertEquals(PolicyStoreException.Reason.NOT_NEWER, assertThrows(PolicyStoreException.class,
        () -> a.put(sgx, policy("version=1.0; v2"), signed("anonymous", T.plusSeconds(20)))).reason());
    assertEquals(PolicyStoreException.Reason.NOT_NEWER, assertThrows(PolicyStoreException.class,
        () -> a.reset(sgx, signed("anonymous", T.plusSeconds(30)))).reason());
    // unsigned (administrator-token) changes do not move the mark
    a.reset(sgx, PolicyChange.unsigned("admin-token"));
    assertEquals(Optional.of(T.plusSeconds(30)), a.highWater(sgx));
    b.put(sgx, policy("version=1.0; v3"), signed("anonymous", T.plusSeconds(31)));
    assertEquals("version=1.0; v3", a.get(sgx).orElseThrow().text());

    List<PolicyAuditEntry> log = a.auditEntries();
    assertEquals(rows + 4, log.size(), "refused changes are not audited as changes: " + log);
    PolicyAuditEntry last = log.get(log.size() - 1);
    assertEquals(Optional.of("anonymous"), last.sender());
    assertEquals(Optional.of("aa11"), last.signer());
    assertEquals(Optional.of(T.plusSeconds(31)), last.signedAt());
    PolicyAuditEntry reset = log.get(log.size() - 3);
    assertEquals("reset", reset.action());
    assertEquals(Optional.of("admin-token"), reset.sender());
    assertEquals(Optional.of("aa11"), reset.signer());
  }

  /** Many concurrent submissions of the same signed document through two replicas: exactly one wins. */
  static void concurrentReplay(JdbcPolicyStore a, JdbcPolicyStore b) throws Exception {
    AttestationType sgx = AttestationType.SGX_ENCLAVE;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        JdbcPolicyStore s = i % 2 == 0 ? a : b;
        results.add(pool.submit(() -> {
          try {
            s.put(sgx, policy("version=1.0; race"), signed("anonymous", T.plusSeconds(100)));
            return true;
          } catch (PolicyStoreException e) {
            assertEquals(PolicyStoreException.Reason.NOT_NEWER, e.reason(), e.getMessage());
            return false;
          }
        }));
      }
      int won = 0;
      for (var f : results) {
        won += f.get() ? 1 : 0;
      }
      assertEquals(1, won);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sqlite_olderOrSameSignedIatAcrossReplicas_refusedAndResetKeepsMark(@TempDir Path dir) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("a.db");
    try (JdbcPolicyStore a = JdbcPolicyStore.open(url, null, null, new MutableClock(T));
        JdbcPolicyStore b = JdbcPolicyStore.open(url, null, null, new MutableClock(T))) {
      rollback(a, b);
    }
  }

  @Test
  void postgres_olderOrSameSignedIatAcrossReplicas_refusedAndResetKeepsMark() throws Exception {
    try (PostgresFixture pg = PostgresFixture.start();
        JdbcPolicyStore a = JdbcPolicyStore.open(pg.jdbcUrl(), pg.user(), null, new MutableClock(T));
        JdbcPolicyStore b = JdbcPolicyStore.open(pg.jdbcUrl(), pg.user(), null, new MutableClock(T))) {
      rollback(a, b);
    }
  }

  @Test
  void sqlite_concurrentReplayThroughTwoReplicas_exactlyOneAccepted(@TempDir Path dir) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("a.db");
    try (JdbcPolicyStore a = JdbcPolicyStore.open(url, null, null, new MutableClock(T));
        JdbcPolicyStore b = JdbcPolicyStore.open(url, null, null, new MutableClock(T))) {
      concurrentReplay(a, b);
    }
  }

  @Test
  void postgres_concurrentReplayThroughTwoReplicas_exactlyOneAccepted() throws Exception {
    try (PostgresFixture pg = PostgresFixture.start();
        JdbcPolicyStore a = JdbcPolicyStore.open(pg.jdbcUrl(), pg.user(), null, new MutableClock(T));
        JdbcPolicyStore b = JdbcPolicyStore.open(pg.jdbcUrl(), pg.user(), null, new MutableClock(T))) {
      concurrentReplay(a, b);
    }
  }

  @Test
  void open_auditTableFromBeforeSenders_migratesAndOldRowsStillRead(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("old.db");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE policy_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT NOT NULL, "
          + "attestation_type VARCHAR(64) NOT NULL, action VARCHAR(16) NOT NULL, actor TEXT NOT NULL, policy_jws TEXT)");
      st.execute("INSERT INTO policy_audit (at, attestation_type, action, actor, policy_jws) VALUES (1000, 'SgxEnclave', 'put', 'signer ab', 'x')");
    }
    try (JdbcPolicyStore s = JdbcPolicyStore.open("jdbc:sqlite:" + db, null, null, new MutableClock(T))) {
      s.put(AttestationType.SGX_ENCLAVE, policy("version=1.0;"), signed("admin-token", T));
      List<PolicyAuditEntry> log = s.auditEntries();
      assertEquals(2, log.size());
      assertEquals("signer ab", log.get(0).actor());
      assertEquals(Optional.empty(), log.get(0).sender(), "an old row has no recorded sender");
      assertEquals(Optional.of("admin-token"), log.get(1).sender());
    }
    try (JdbcPolicyStore s = JdbcPolicyStore.open("jdbc:sqlite:" + db, null, null, new MutableClock(T))) {
      assertEquals(2, s.auditEntries().size(), "opening a migrated database again is a no-op");
    }
  }

  @Test
  void sqlite_putGetResetVersionAndAudit_roundTrip(@TempDir Path dir) throws Exception {
    try (JdbcPolicyStore s = JdbcPolicyStore.open("jdbc:sqlite:" + dir.resolve("a.db"), null, null, new MutableClock(Instant.now()))) {
      exercise(s);
    }
    try (JdbcPolicyStore s = JdbcPolicyStore.open("jdbc:sqlite:" + dir.resolve("a.db"), null, null, new MutableClock(Instant.now()))) {
      assertEquals(3, s.auditLog().size(), "the audit log survives a restart");
    }
  }

  @Test
  void postgres_putGetResetVersionAndAudit_roundTrip(@TempDir Path dir) throws Exception {
    try (PostgresFixture pg = PostgresFixture.start();
        JdbcPolicyStore s = JdbcPolicyStore.open(pg.jdbcUrl(), pg.user(), null, new MutableClock(Instant.now()))) {
      exercise(s);
    }
  }

  @Test
  void open_unsupportedUrlOrUnreachableDatabase_failsWithMessage(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class, () -> JdbcPolicyStore.open("jdbc:mysql://x/y?password=secret", null, null, new MutableClock(Instant.now())));
    assertTrue(e.getMessage().contains("unsupported") && !e.getMessage().contains("secret"), e.getMessage());
    e = assertThrows(IOException.class, () -> JdbcPolicyStore.open("jdbc:postgresql://127.0.0.1:1/none", "x", null, new MutableClock(Instant.now())));
    assertTrue(e.getMessage().contains("cannot prepare"), e.getMessage());
  }
}
