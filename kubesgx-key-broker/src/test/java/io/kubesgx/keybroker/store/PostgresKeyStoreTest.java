package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyKind;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import io.kubesgx.testing.PostgresFixture;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The store on a throwaway PostgreSQL (Flyway migration with {@code flyway-database-postgresql}):
 * two replicas on one database see each other's writes at once, concurrent writes from both keep
 * one intact audit chain and checkpoint, and a KEK rotation re-wraps every version.
 */
class PostgresKeyStoreTest {
  @Test
  void twoReplicas_concurrentWrites_seeEachOtherAndAuditChainIntact() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] kek = random.generateSeed(32);
    try (PostgresFixture pg = PostgresFixture.start();
        KeyStore a = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.of(kek, random), Clock.systemUTC());
        KeyStore b = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.of(kek, random), Clock.systemUTC())) {
      assertTrue(a.isPostgres());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          KeyStore s = i % 2 == 0 ? a : b;
          int n = i;
          futures.add(pool.submit(() -> {
            s.addVersion(key("k" + (n % 4), random), new AuditEntry("admin", "create", "k" + (n % 4), "", null, null, "ok", "n=" + n));
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      KeyVersion latestFromA = a.get("k1", Optional.empty()).orElseThrow();
      KeyVersion latestFromB = b.get("k1", Optional.empty()).orElseThrow();
      assertEquals(latestFromA.version(), latestFromB.version());
      assertArrayEquals(latestFromA.material().exportBytes(), latestFromB.material().exportBytes());
      assertEquals(5, b.versions("k1", 25).size());
      KeyStore.AuditCheck c = b.verifyAudit();
      assertTrue(c.intact(), c.problem());
      assertEquals(20, c.entries());
      assertTrue(c.checkpointVerified(), c.checkpoint());
      // KEK rotation on PostgreSQL (keyset pagination over (name, version), batches of 3): afterwards
      // a replica holding only the new KEK opens every version.
      byte[] next = random.generateSeed(32);
      try (KeyStore rotating = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.ring(next, List.of(kek), random),
          Clock.systemUTC())) {
        KeyStore.Rotation r = rotating.rotateKek(3, "test");
        assertEquals(20, r.rewrapped());
        assertEquals(Map.of(), r.remaining());
      }
      try (KeyStore only = KeyStore.open(pg.jdbcUrl(), pg.user(), null, Envelope.of(next, random), Clock.systemUTC())) {
        for (int k = 0; k < 4; k++) {
          assertEquals(5, only.versions("k" + k, 25).size());
        }
        assertArrayEquals(latestFromA.material().exportBytes(), only.get("k1", Optional.empty()).orElseThrow().material().exportBytes());
        KeyStore.AuditCheck after = only.verifyAudit();
        assertTrue(after.intact() && after.checkpointVerified(), after.toString());
      }
    }
  }

  private static KeyVersion key(String name, SecureRandom random) {
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    byte[] id = new byte[16];
    random.nextBytes(id);
    return new KeyVersion(name, HexFormat.of().formatHex(id), new KeyType(KeyKind.OCT, false), KeyKind.OCT.defaultOps(),
        new KeyAttributes(true, Optional.empty(), Optional.empty(), false, now, now), Map.of(), Optional.empty(),
        KeyMaterial.generate(KeyKind.OCT, Optional.empty(), Optional.empty(), random));
  }
}
