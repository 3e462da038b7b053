package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyKind;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDBC store on SQLite: sealed key material, the hash-chained audit log and its tamper detection. */
class KeyStoreTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static KeyVersion octKey(String name, String version) {
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    return new KeyVersion(name, version, new KeyType(KeyKind.OCT, true), KeyKind.OCT.defaultOps(),
        new KeyAttributes(true, Optional.empty(), Optional.empty(), false, now, now), Map.of("team", "a"), Optional.empty(),
        KeyMaterial.generate(KeyKind.OCT, Optional.of(256), Optional.empty(), RANDOM));
  }

  private static AuditEntry audit(String action, String key) {
    return new AuditEntry("admin", action, key, "", null, null, "ok", action + " " + key);
  }

  @Test
  void addVersion_thenGet_roundTripsAndMaterialIsNotStoredInClear(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    Envelope env = Envelope.of(RANDOM.generateSeed(32), RANDOM);
    KeyVersion v = octKey("k1", "0".repeat(32));
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, env, Clock.systemUTC())) {
      s.addVersion(v, audit("create", "k1"));
      KeyVersion got = s.get("k1", Optional.empty()).orElseThrow();
      assertArrayEquals(v.material().exportBytes(), got.material().exportBytes());
      assertEquals(v.tags(), got.tags());
      assertEquals(v.type(), got.type());
    }
    String hex = HexFormat.of().formatHex(v.material().exportBytes());
    String b64 = java.util.Base64.getEncoder().encodeToString(v.material().exportBytes());
    String dump = dumpAll(db);
    assertFalse(dump.contains(hex) || dump.contains(b64), "key material must not be stored in clear");
  }

  @Test
  void get_withOtherKek_failsAsUnknownKek(@TempDir Path dir) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("kb.db");
    try (KeyStore s = KeyStore.open(url, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
      s.addVersion(octKey("k1", "1".repeat(32)), audit("create", "k1"));
    }
    try (KeyStore s = KeyStore.open(url, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
      StoreException e = assertThrows(StoreException.class, () -> s.get("k1", Optional.empty()));
      assertEquals(StoreException.Reason.UNKNOWN_KEK, e.reason());
    }
  }

  @Test
  void get_sealedMaterialMovedToOtherRecord_failsAsTampered(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
      s.addVersion(octKey("a", "1".repeat(32)), audit("create", "a"));
      s.addVersion(octKey("b", "2".repeat(32)), audit("create", "b"));
      sql(db, "UPDATE kb_key_versions SET sealed_dek = (SELECT sealed_dek FROM kb_key_versions WHERE name = 'a'), "
          + "sealed_material = (SELECT sealed_material FROM kb_key_versions WHERE name = 'a') WHERE name = 'b'");
      StoreException e = assertThrows(StoreException.class, () -> s.get("b", Optional.empty()));
      assertEquals(StoreException.Reason.TAMPERED, e.reason());
    }
  }

  @Test
  void verifyAudit_intactChain_ok(@TempDir Path dir) throws Exception {
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + dir.resolve("kb.db"), null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM),
        Clock.systemUTC())) {
      s.addVersion(octKey("k1", "1".repeat(32)), audit("create", "k1"));
      s.audit(new AuditEntry("admin", "release", "k1", "1".repeat(32), "jti-1", "https://iss", "denied", "x-ms-sgx-svn: too low"));
      assertTrue(s.delete("k1", audit("delete", "k1")));
      KeyStore.AuditCheck c = s.verifyAudit();
      assertTrue(c.intact(), c.problem());
      assertEquals(3, c.entries());
      List<String> lines = s.auditLines(10);
      assertEquals(3, lines.size());
      assertTrue(lines.get(1).contains("\"jti\":\"jti-1\"") && lines.get(1).contains("\"result\":\"denied\""), lines.get(1));
    }
  }

  @Test
  void verifyAudit_alteredDeletedOrRelinkedEntry_detected(@TempDir Path dir) throws Exception {
    for (String tamper : List.of(
        "UPDATE kb_audit SET result = 'ok' WHERE seq = 2",
        "DELETE FROM kb_audit WHERE seq = 2",
        "UPDATE kb_audit SET detail = 'x', hash = 'ab' WHERE seq = 3")) {
      Path db = dir.resolve("kb" + Math.abs(tamper.hashCode()) + ".db");
      try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
        for (int i = 0; i < 4; i++) {
          s.audit(new AuditEntry("admin", "release", "k", "", "jti-" + i, "https://iss", "denied", "entry " + i));
        }
        assertTrue(s.verifyAudit().intact());
        sql(db, tamper);
        KeyStore.AuditCheck c = s.verifyAudit();
        assertFalse(c.intact(), tamper);
        assertTrue(c.entries() < 4, tamper + ": " + c);
      }
    }
  }

  @Test
  void loadOrCreate_absentKekFile_createsPrivate32ByteFile(@TempDir Path dir) throws Exception {
    Path kek = dir.resolve("kek");
    boolean[] created = {false};
    Envelope.loadOrCreate(kek, true, RANDOM, created);
    assertTrue(created[0]);
    assertEquals(32, Files.size(kek));
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(kek));
    Files.write(dir.resolve("short"), new byte[31]);
    assertThrows(IllegalArgumentException.class, () -> Envelope.loadOrCreate(dir.resolve("short"), true, RANDOM, new boolean[1]));
    assertThrows(java.io.IOException.class, () -> Envelope.loadOrCreate(dir.resolve("missing"), false, RANDOM, new boolean[1]));
  }

  private static void sql(Path db, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private static String dumpAll(Path db) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT * FROM kb_key_versions")) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= n; i++) {
          sb.append(rs.getString(i)).append('|');
        }
      }
    }
    for (Path p : List.of(db, Path.of(db + "-wal"))) {
      if (Files.exists(p)) {
        byte[] raw = Files.readAllBytes(p);
        sb.append(HexFormat.of().formatHex(raw)).append(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return sb.toString();
  }
}
