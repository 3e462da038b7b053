package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.secrets.SecretAttributes;
import io.kubesgx.keybroker.secrets.SecretVersion;
import io.kubesgx.testing.PostgresFixture;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Secrets on a throwaway PostgreSQL ({@code V2__secrets.sql}): a secret written through one replica
 * is read, with its KBS path, through another at once; a second secret cannot take the same KBS path;
 * secret changes extend the one audit chain.
 */
class PostgresSecretStoreTest {
  @Test
  void twoReplicas_secretAndKbsPath_visibleAtOnceAndPathUnique() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] kek = random.generateSeed(32);
    try (PostgresFixture pg = PostgresFixture.start();
        KeyStore a = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.of(kek, random), Clock.systemUTC());
        KeyStore b = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.of(kek, random), Clock.systemUTC())) {
      SecretStore.over(a).addVersion(secret("db", "repo/type/tag", random), new AuditEntry("admin", "secret-set", "db", "", null,
          null, "ok", "x"));
      SecretStore fromB = SecretStore.over(b);
      assertEquals(Optional.of("db"), fromB.nameForKbsResource("default", "repo/type/tag"));
      assertArrayEquals("pg-secret".getBytes(StandardCharsets.UTF_8),
          fromB.get("default", "db", Optional.empty()).orElseThrow().copyValue());
      StoreException e = assertThrows(StoreException.class, () -> fromB.addVersion(secret("other", "repo/type/tag", random),
          new AuditEntry("admin", "secret-set", "other", "", null, null, "ok", "y")));
      assertEquals(StoreException.Reason.CONFLICT, e.reason());
      KeyStore.AuditCheck c = a.verifyAudit();
      assertTrue(c.intact(), c.problem());
      assertEquals(1, c.entries(), "the refused write left no audit entry");
    }
  }

  private static SecretVersion secret(String name, String path, SecureRandom random) {
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    byte[] id = new byte[16];
    random.nextBytes(id);
    return new SecretVersion("default", name, HexFormat.of().formatHex(id), Optional.of("text/plain"),
        new SecretAttributes(true, Optional.empty(), Optional.empty(), now, now), Map.of(), Optional.empty(), Optional.of(path),
        "pg-secret".getBytes(StandardCharsets.UTF_8));
  }
}
