package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyKind;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KEK rings and rotation: records name their KEK, rotation re-wraps data keys only, unknown KEKs fail clearly. */
class KekRotationTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static KeyVersion octKey(String name) {
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    return new KeyVersion(name, "a".repeat(32), new KeyType(KeyKind.OCT, true), KeyKind.OCT.defaultOps(),
        new KeyAttributes(true, Optional.empty(), Optional.empty(), false, now, now), Map.of(), Optional.empty(),
        KeyMaterial.generate(KeyKind.OCT, Optional.of(256), Optional.empty(), RANDOM));
  }

  private static AuditEntry audit(String key) {
    return new AuditEntry("admin", "create", key, "", null, null, "ok", "create " + key);
  }

  private static byte[] kek() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  private static KeyStore open(Path db, Envelope env) throws StoreException {
    return KeyStore.open("jdbc:sqlite:" + db, null, null, env, Clock.systemUTC());
  }

  @Test
  void rotateKek_recordsUnderOldKek_rewrapsOnlyDataKeysAndOpenWithNewKekAlone(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    byte[] b = kek();
    Map<String, byte[]> material = new HashMap<>();
    try (KeyStore s = open(db, Envelope.of(a, RANDOM))) {
      for (int i = 0; i < 23; i++) {
        KeyVersion v = octKey("k" + i);
        material.put(v.name(), v.material().exportBytes());
        s.addVersion(v, audit(v.name()));
      }
    }
    Map<String, String> contentBefore = column(db, "sealed_material");
    Map<String, String> dekBefore = column(db, "sealed_dek");
    try (KeyStore s = open(db, Envelope.ring(b, List.of(a), RANDOM))) {
      assertEquals(Map.of(Envelope.kekId(a), 23L), s.kekUsage(KeyStore.KEY_VERSIONS));
      KeyVersion added = octKey("new");
      material.put("new", added.material().exportBytes());
      s.addVersion(added, audit("new")); // new writes use the current KEK
      assertEquals(Map.of(Envelope.kekId(a), 23L, Envelope.kekId(b), 1L), s.kekUsage(KeyStore.KEY_VERSIONS));
      KeyStore.Rotation r = s.rotateKek(5, "test");
      assertEquals(23, r.rewrapped());
      assertEquals(List.of(), r.failed());
      assertEquals(Map.of(), r.remaining());
      assertEquals(Envelope.kekId(b), r.kekId());
      assertEquals(Map.of(Envelope.kekId(b), 24L), s.kekUsage(KeyStore.KEY_VERSIONS));
      List<String> lines = s.auditLines(100);
      String last = lines.get(lines.size() - 1);
      assertTrue(last.contains("\"action\":\"kek-rotate\"") && last.contains("re-wrapped 23 data keys"), last);
      KeyStore.AuditCheck c = s.verifyAudit();
      assertTrue(c.intact() && c.checkpointVerified(), c.toString());
    }
    Map<String, String> contentAfter = column(db, "sealed_material");
    Map<String, String> dekAfter = column(db, "sealed_dek");
    for (Map.Entry<String, String> e : contentBefore.entrySet()) {
      assertEquals(e.getValue(), contentAfter.get(e.getKey()), "the sealed content (so the data key) is unchanged");
      assertTrue(!e.getValue().equals(dekAfter.get(e.getKey())) && !dekBefore.get(e.getKey()).equals(dekAfter.get(e.getKey())),
          "the data key is wrapped anew");
    }
    try (KeyStore s = open(db, Envelope.of(b, RANDOM))) { // the old KEK is gone
      for (Map.Entry<String, byte[]> e : material.entrySet()) {
        assertArrayEquals(e.getValue(), s.get(e.getKey(), Optional.empty()).orElseThrow().material().exportBytes(), e.getKey());
      }
    }
  }

  @Test
  void get_recordUnderKekNotInRing_failsUnknownKekNamingTheKek(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    try (KeyStore s = open(db, Envelope.of(a, RANDOM))) {
      s.addVersion(octKey("k"), audit("k"));
    }
    try (KeyStore s = open(db, Envelope.of(kek(), RANDOM))) {
      StoreException e = assertThrows(StoreException.class, () -> s.get("k", Optional.empty()));
      assertEquals(StoreException.Reason.UNKNOWN_KEK, e.reason());
      assertTrue(e.getMessage().contains(Envelope.kekId(a)) && e.getMessage().contains("--previous-kek-file"), e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
      KeyStore.Rotation r = s.rotateKek(10, "test");
      assertEquals(0, r.rewrapped());
      assertEquals(1, r.failed().size());
      assertEquals(Map.of(Envelope.kekId(a), 1L), r.remaining());
    }
  }

  @Test
  void rotateKek_recordsFromBeforeKekIds_rewrappedWithTheirKekFound(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    byte[] b = kek();
    KeyVersion v = octKey("legacy");
    try (KeyStore s = open(db, Envelope.of(a, RANDOM))) {
      s.addVersion(v, audit("legacy"));
    }
    sql(db, "UPDATE kb_key_versions SET kek_id = NULL");
    try (KeyStore s = open(db, Envelope.ring(b, List.of(a), RANDOM))) {
      assertArrayEquals(v.material().exportBytes(), s.get("legacy", Optional.empty()).orElseThrow().material().exportBytes());
      assertEquals(Map.of("none", 1L), s.kekUsage(KeyStore.KEY_VERSIONS));
      assertEquals(1, s.rotateKek(10, "test").rewrapped());
    }
    try (KeyStore s = open(db, Envelope.of(b, RANDOM))) {
      assertArrayEquals(v.material().exportBytes(), s.get("legacy", Optional.empty()).orElseThrow().material().exportBytes());
    }
  }

  @Test
  void rotateKek_alteredRecord_reportedAndTheOthersRewrapped(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    try (KeyStore s = open(db, Envelope.of(a, RANDOM))) {
      s.addVersion(octKey("good"), audit("good"));
      s.addVersion(octKey("bad"), audit("bad"));
    }
    sql(db, "UPDATE kb_key_versions SET sealed_dek = (SELECT sealed_dek FROM kb_key_versions WHERE name = 'good') WHERE name = 'bad'");
    try (KeyStore s = open(db, Envelope.ring(kek(), List.of(a), RANDOM))) {
      KeyStore.Rotation r = s.rotateKek(1, "test");
      assertEquals(1, r.rewrapped());
      assertEquals(1, r.failed().size());
      assertTrue(r.failed().get(0).contains("kb_key_versions/bad/"), r.failed().toString());
      assertEquals(Map.of(Envelope.kekId(a), 1L), r.remaining());
      String last = s.auditLines(100).get(s.auditLines(100).size() - 1);
      assertTrue(last.contains("\"result\":\"error\""), last);
    }
  }

  @Test
  void rotateKek_anotherSealedTable_rewrappedByTheSameCode(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    byte[] b = kek();
    Envelope old = Envelope.of(a, RANDOM);
    KeyStore.SealedTable secrets = new KeyStore.SealedTable("kb_test_secrets", List.of("repo", "tag"), "sealed_dek", "kek_id",
        k -> "kb_test_secrets/" + k.get(0) + "/" + k.get(1));
    try (KeyStore s = open(db, old)) {
      sql(db, "CREATE TABLE kb_test_secrets (repo TEXT, tag TEXT, sealed_dek TEXT, sealed_value TEXT, kek_id TEXT, "
          + "PRIMARY KEY (repo, tag))");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          PreparedStatement ps = c.prepareStatement("INSERT INTO kb_test_secrets VALUES (?,?,?,?,?)")) {
        for (int i = 0; i < 7; i++) {
          Envelope.Sealed sealed = old.seal(("secret-" + i).getBytes(StandardCharsets.UTF_8), "kb_test_secrets/r/t" + i);
          ps.setString(1, "r");
          ps.setString(2, "t" + i);
          ps.setString(3, sealed.dek());
          ps.setString(4, sealed.content());
          ps.setString(5, sealed.kekId());
          ps.executeUpdate();
        }
      }
    }
    Envelope next = Envelope.ring(b, List.of(a), RANDOM);
    try (KeyStore s = open(db, next)) {
      KeyStore.Rotation r = s.rotateKek(List.of(KeyStore.KEY_VERSIONS, secrets), 3, "test");
      assertEquals(7, r.rewrapped());
      assertEquals(Map.of(), r.remaining());
    }
    Envelope only = Envelope.of(b, RANDOM);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT tag, sealed_dek, sealed_value, kek_id FROM kb_test_secrets ORDER BY tag")) {
      int n = 0;
      while (rs.next()) {
        byte[] plain = only.open(new Envelope.Sealed(rs.getString(4), rs.getString(2), rs.getString(3)),
            "kb_test_secrets/r/" + rs.getString(1));
        assertEquals("secret-" + rs.getString(1).substring(1), new String(plain, StandardCharsets.UTF_8));
        n++;
      }
      assertEquals(7, n);
    }
  }

  @Test
  void rotateKek_secretVersions_rewrappedAndOpenWithNewKekAlone(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    byte[] a = kek();
    byte[] b = kek();
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    try (KeyStore s = open(db, Envelope.of(a, RANDOM))) {
      SecretStore secrets = SecretStore.over(s);
      for (int i = 0; i < 7; i++) {
        secrets.addVersion(new io.kubesgx.keybroker.secrets.SecretVersion("default", "s" + i, "b".repeat(32),
            Optional.of("text/plain"), new io.kubesgx.keybroker.secrets.SecretAttributes(true, Optional.empty(), Optional.empty(),
                now, now), Map.of(), Optional.empty(), Optional.of("repo/type/s" + i),
            ("value-" + i).getBytes(StandardCharsets.UTF_8)), audit("s" + i));
      }
      assertEquals(Map.of(Envelope.kekId(a), 7L), s.kekUsage(KeyStore.SECRET_VERSIONS));
    }
    try (KeyStore s = open(db, Envelope.ring(b, List.of(a), RANDOM))) {
      KeyStore.Rotation r = s.rotateKek(3, "test");
      assertEquals(7, r.rewrapped());
      assertEquals(Map.of(), r.remaining());
      assertEquals(Map.of(Envelope.kekId(b), 7L), s.kekUsage(KeyStore.SECRET_VERSIONS));
    }
    try (KeyStore s = open(db, Envelope.of(b, RANDOM))) { // the old KEK is gone
      SecretStore secrets = SecretStore.over(s);
      for (int i = 0; i < 7; i++) {
        assertArrayEquals(("value-" + i).getBytes(StandardCharsets.UTF_8),
            secrets.get("default", "s" + i, Optional.empty()).orElseThrow().copyValue(), "s" + i);
      }
    }
  }

  @Test
  void sealedTable_nonIdentifierName_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new KeyStore.SealedTable("t; DROP TABLE x", List.of("a"), "d", "k", k -> ""));
  }

  private static Map<String, String> column(Path db, String col) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name, " + col + " FROM kb_key_versions")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }

  private static void sql(Path db, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }
}
