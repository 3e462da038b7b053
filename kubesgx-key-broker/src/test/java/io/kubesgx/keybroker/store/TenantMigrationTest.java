package io.kubesgx.keybroker.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import io.kubesgx.keybroker.keys.KeyAttributes;
import io.kubesgx.keybroker.keys.KeyKind;
import io.kubesgx.keybroker.keys.KeyMaterial;
import io.kubesgx.keybroker.keys.KeyType;
import io.kubesgx.keybroker.keys.KeyVersion;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code V3__tenants.sql} on a database written by the V1 schema: existing keys and audit entries
 * land in the default tenant, stay readable and chained, and tenants are kept apart afterwards.
 */
class TenantMigrationTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void migrate_v1DatabaseWithData_rowsLandInDefaultTenant(@TempDir Path dir) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("kb.db");
    Envelope env = Envelope.of(RANDOM.generateSeed(32), RANDOM);
    Flyway.configure().dataSource(url, null, null).locations("classpath:db/keybroker").table("kb_schema_history").target("1")
        .load().migrate();
    Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    KeyMaterial material = KeyMaterial.generate(KeyKind.OCT, Optional.of(256), Optional.empty(), RANDOM);
    String version = "a".repeat(32);
    // A V1 row exactly as the V1 code wrote it: sealed with the record id kb_key_versions/NAME/VERSION.
    Envelope.Sealed sealed = env.seal(material.exportBytes(), "kb_key_versions/old-key/" + version);
    AuditEntry old = new AuditEntry("admin", "create", "old-key", version, null, null, "ok", "oct-HSM 256");
    String hash = KeyStore.sha256Hex(old.hashedText(1, now, KeyStore.GENESIS));
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      Map<String, Object> jwk = material.publicJwk();
      Map<String, io.kubesgx.common.json.JsonValue> pub = new LinkedHashMap<>();
      jwk.forEach((k, v) -> pub.put(k, new JsonString(String.valueOf(v))));
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_key_versions (name, version, seq, kty, key_size, key_ops, "
          + "enabled, nbf, exp, exportable, created, updated, tags, policy_content_type, policy_immutable, policy_data, "
          + "public_jwk, sealed_dek, sealed_material) VALUES ('old-key', ?, 1, 'oct-HSM', ?, 'wrapKey,unwrapKey', 1, NULL, NULL, 0, "
          + "?, ?, '{}', NULL, NULL, NULL, ?, ?, ?)")) {
        ps.setString(1, version);
        ps.setInt(2, material.size());
        ps.setLong(3, now.toEpochMilli());
        ps.setLong(4, now.toEpochMilli());
        ps.setString(5, Json.write(new JsonObject(pub)));
        ps.setString(6, sealed.dek());
        ps.setString(7, sealed.content());
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO kb_audit (seq, at_millis, actor, action, key_name, key_version, "
          + "jti, issuer, result, detail, prev_hash, hash) VALUES (1, ?, 'admin', 'create', 'old-key', ?, '', '', 'ok', 'oct-HSM 256', ?, ?)")) {
        ps.setLong(1, now.toEpochMilli());
        ps.setString(2, version);
        ps.setString(3, KeyStore.GENESIS);
        ps.setString(4, hash);
        ps.executeUpdate();
      }
    }

    try (KeyStore s = KeyStore.open(url, null, null, env, Clock.systemUTC())) {
      KeyVersion got = s.get("default", "old-key", Optional.empty()).orElseThrow();
      assertArrayEquals(material.exportBytes(), got.material().exportBytes());
      assertTrue(s.get("team-a", "old-key", Optional.empty()).isEmpty(), "not visible in another tenant");
      assertTrue(s.verifyAudit().intact(), s.verifyAudit().problem());
      assertTrue(s.auditLines(10).get(0).contains("\"tenant\":\"default\""), s.auditLines(10).get(0));

      // After the migration the same name can exist in another tenant, and the chain goes on across tenants.
      KeyVersion other = new KeyVersion("old-key", "b".repeat(32), new KeyType(KeyKind.OCT, true), KeyKind.OCT.defaultOps(),
          new KeyAttributes(true, Optional.empty(), Optional.empty(), false, now, now), Map.of(), Optional.empty(),
          KeyMaterial.generate(KeyKind.OCT, Optional.of(128), Optional.empty(), RANDOM));
      s.addVersion("team-a", other, new AuditEntry("team-a", "admin:a", "create", "old-key", other.version(), null, null, "ok", ""));
      assertEquals(128 / 8, s.get("team-a", "old-key", Optional.empty()).orElseThrow().material().exportBytes().length);
      assertEquals(1, s.versions("default", "old-key", 10).size());
      assertTrue(s.verifyAudit().intact());
      List<String> lines = s.auditLines(10);
      assertTrue(lines.get(1).contains("\"tenant\":\"team-a\""), lines.get(1));
    }
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT MAX(version) FROM kb_schema_history")) {
      rs.next();
      assertTrue(rs.getString(1).compareTo("3") >= 0);
    }
  }

  @Test
  void verifyAudit_tenantOfEntryChanged_detected(@TempDir Path dir) throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("kb.db");
    try (KeyStore s = KeyStore.open(url, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
      s.audit(new AuditEntry("team-a", "admin:a", "release", "k", "", "jti-1", "https://iss", "denied", "x"));
      s.audit(new AuditEntry("team-b", "admin:b", "release", "k", "", "jti-2", "https://iss", "denied", "x"));
      assertTrue(s.verifyAudit().intact());
    }
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE kb_audit SET tenant = 'default' WHERE seq = 1");
    }
    try (KeyStore s = KeyStore.open(url, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM), Clock.systemUTC())) {
      KeyStore.AuditCheck check = s.verifyAudit();
      assertTrue(!check.intact() && check.problem().contains("entry 1"), check.toString());
    }
  }
}
