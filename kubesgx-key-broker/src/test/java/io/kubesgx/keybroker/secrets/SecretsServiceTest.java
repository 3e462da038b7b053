package io.kubesgx.keybroker.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.SecretStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Key Vault secrets API over the sealed store: size limit with the Key Vault error shape, values
 * never returned for policy-protected secrets nor stored in clear, versions, the KBS path, and every
 * change in the one audit chain.
 */
class SecretsServiceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String POLICY = Base64.getUrlEncoder().withoutPadding().encodeToString(
      "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"https://a.example\",\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"greater\":1}]}]}"
          .getBytes(StandardCharsets.UTF_8));

  private interface Body {
    void run(SecretsService svc, KeyStore store) throws Exception;
  }

  private static void with(Path db, Body body) throws Exception {
    try (KeyStore store = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.of(RANDOM.generateSeed(32), RANDOM),
        Clock.systemUTC())) {
      body.run(new SecretsService(SecretStore.over(store), "https://vault.example", Clock.systemUTC(), RANDOM), store);
    }
  }

  private static SecretsService.Reply call(SecretsService s, String method, String path, String body) {
    return s.handle("default", method, path, "7.5", body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8), "admin", true);
  }

  @Test
  void put_valueOver64KiB_400BadParameterInKeyVaultShape(@TempDir Path dir) throws Exception {
    with(dir.resolve("kb.db"), (s, store) -> {
      SecretsService.Reply r = call(s, "PUT", "/secrets/big", "{\"value\":\"" + "a".repeat(64 * 1024 + 1) + "\"}");
      assertEquals(400, r.status(), r.json());
      JsonObject e = Json.parseObject(r.json()).object("error");
      assertEquals("BadParameter", e.string("code"));
      assertTrue(e.string("message").contains("65536"), r.json());
      assertEquals(200, call(s, "PUT", "/secrets/big", "{\"value\":\"" + "a".repeat(64 * 1024) + "\"}").status());
    });
  }

  @Test
  void get_secretWithReleasePolicy_neverReturnsTheValue(@TempDir Path dir) throws Exception {
    with(dir.resolve("kb.db"), (s, store) -> {
      SecretsService.Reply put = call(s, "PUT", "/secrets/db", "{\"value\":\"hunter2\",\"release_policy\":{\"data\":\"" + POLICY
          + "\"},\"x-kubesgx-kbs-resource\":\"default/db/password\"}");
      assertEquals(200, put.status(), put.json());
      assertFalse(put.json().contains("hunter2"));
      SecretsService.Reply got = call(s, "GET", "/secrets/db", null);
      assertEquals(200, got.status());
      JsonObject b = Json.parseObject(got.json());
      assertFalse(b.has("value"), got.json());
      assertEquals("default/db/password", b.string("x-kubesgx-kbs-resource"));
      assertTrue(b.object("release_policy").has("data"));
    });
  }

  @Test
  void get_secretWithoutPolicy_returnsTheValueLikeKeyVault(@TempDir Path dir) throws Exception {
    with(dir.resolve("kb.db"), (s, store) -> {
      call(s, "PUT", "/secrets/plain", "{\"value\":\"v1\",\"contentType\":\"text/plain\",\"tags\":{\"team\":\"a\"}}");
      call(s, "PUT", "/secrets/plain", "{\"value\":\"v2\"}");
      JsonObject b = Json.parseObject(call(s, "GET", "/secrets/plain", null).json());
      assertEquals("v2", b.string("value"));
      String versions = call(s, "GET", "/secrets/plain/versions", null).json();
      assertEquals(2, versions.split("https://vault.example/secrets/plain/", -1).length - 1, versions);
      assertFalse(versions.contains("v1"), "a version listing never holds values");
      assertEquals(404, call(s, "GET", "/secrets/missing", null).status());
      assertEquals("SecretNotFound", Json.parseObject(call(s, "GET", "/secrets/missing", null).json()).object("error").string("code"));
    });
  }

  @Test
  void patch_immutablePolicyChange_refusedAndKbsPathClash409(@TempDir Path dir) throws Exception {
    with(dir.resolve("kb.db"), (s, store) -> {
      call(s, "PUT", "/secrets/a", "{\"value\":\"x\",\"release_policy\":{\"data\":\"" + POLICY
          + "\",\"immutable\":true},\"x-kubesgx-kbs-resource\":\"r/t/a\"}");
      String other = Base64.getUrlEncoder().withoutPadding().encodeToString(
          "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"https://b.example\",\"allOf\":[{\"claim\":\"x\",\"equals\":1}]}]}"
              .getBytes(StandardCharsets.UTF_8));
      SecretsService.Reply r = call(s, "PATCH", "/secrets/a", "{\"release_policy\":{\"data\":\"" + other + "\"}}");
      assertEquals(400, r.status());
      assertTrue(r.json().contains("AKV.SKR.1020"), r.json());
      SecretsService.Reply clash = call(s, "PUT", "/secrets/b", "{\"value\":\"y\",\"x-kubesgx-kbs-resource\":\"r/t/a\"}");
      assertEquals(409, clash.status(), clash.json());
      assertEquals(400, call(s, "PUT", "/secrets/c", "{\"value\":\"y\",\"x-kubesgx-kbs-resource\":\"../etc\"}").status());
    });
  }

  @Test
  void store_valueIsSealedNeverInClearAndEveryChangeIsInTheAuditChain(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("kb.db");
    String value = "Zm9vYmFyLXNlY3JldC12YWx1ZS0xMjM0NTY3ODkw-unique-marker";
    with(db, (s, store) -> {
      assertEquals(200, call(s, "PUT", "/secrets/sealed", "{\"value\":\"" + value + "\"}").status());
      assertEquals(200, call(s, "PATCH", "/secrets/sealed", "{\"attributes\":{\"enabled\":false}}").status());
      assertEquals(200, call(s, "DELETE", "/secrets/sealed", null).status());
      assertEquals(200, call(s, "PUT", "/secrets/sealed", "{\"value\":\"" + value + "\"}").status());
      List<String> lines = store.auditLines(100);
      for (String action : List.of("secret-set", "secret-update", "secret-delete")) {
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"action\":\"" + action + "\"")), action);
      }
      assertTrue(lines.stream().noneMatch(l -> l.contains(value)), "the audit log never holds a value");
      assertTrue(store.verifyAudit().intact());
    });
    StringBuilder dump = new StringBuilder();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT * FROM kb_secret_versions")) {
      while (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          dump.append(rs.getString(i)).append('|');
        }
      }
    }
    for (Path p : List.of(db, Path.of(db + "-wal"))) {
      if (Files.exists(p)) {
        byte[] raw = Files.readAllBytes(p);
        dump.append(new String(raw, StandardCharsets.ISO_8859_1)).append(HexFormat.of().formatHex(raw));
      }
    }
    assertTrue(dump.indexOf("unique-marker") < 0, "the secret value is stored in clear");
    assertTrue(dump.indexOf(HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8))) < 0);
    // tampering with a secret's audit entry breaks the chain
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("UPDATE kb_audit SET detail = 'nothing happened' WHERE action = 'secret-delete'");
    }
    with(db, (s, store) -> assertFalse(store.verifyAudit().intact()));
  }
}
