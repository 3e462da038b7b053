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
    s.put(AttestationType.SGX_ENCLAVE, p, "admin-token");
    assertEquals(p, s.get(AttestationType.SGX_ENCLAVE).orElseThrow());
    assertEquals(Optional.empty(), s.get(AttestationType.OPEN_ENCLAVE), "policies are per attestation type");
    long v1 = s.version();
    assertNotEquals(v0, v1);
    StoredPolicy q = new StoredPolicy("version=1.1;", PolicyDocument.unsignedJws("version=1.1;"), Optional.empty(), Instant.parse("2026-11-29T02:00:00Z"));
    s.put(AttestationType.SGX_ENCLAVE, q, "admin-token");
    assertEquals(q, s.get(AttestationType.SGX_ENCLAVE).orElseThrow());
    s.reset(AttestationType.SGX_ENCLAVE, "signer ab");
    assertEquals(Optional.empty(), s.get(AttestationType.SGX_ENCLAVE));
    List<String> log = s.auditLog();
    assertEquals(3, log.size());
    assertTrue(log.get(0).contains("SgxEnclave put admin-token"), log.toString());
    assertTrue(log.get(2).contains("SgxEnclave reset signer ab"), log.toString());
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
