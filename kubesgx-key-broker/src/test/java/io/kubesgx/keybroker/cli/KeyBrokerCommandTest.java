package io.kubesgx.keybroker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.store.AuditEntry;
import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI contract: user mistakes are one line on stderr with exit 2; audit verify exits 0 or 1. */
class KeyBrokerCommandTest {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KeyBrokerCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(t -> 2);
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static void assertUsageError(Run r, String part) {
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains(part), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
  }

  private static List<String> base(Path dir, String... extra) throws Exception {
    Path token = dir.resolve("admin-token");
    if (!Files.exists(token)) {
      Files.writeString(token, "0123456789abcdef0123456789abcdef-admin\n");
    }
    List<String> a = new ArrayList<>(List.of("--port", "0", "--state-dir", dir.resolve("state").toString(),
        "--admin-token-file", token.toString()));
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void run_missingRequiredOptions_exit2OneLine(@TempDir Path dir) throws Exception {
    assertUsageError(run("--state-dir", dir.toString(), "--trust-issuer", "https://a.example"), "--admin-token-file FILE is required");
    assertUsageError(run(base(dir).toArray(String[]::new)), "--trust-issuer");
  }

  @Test
  void run_shortAdminToken_exit2(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("admin-token"), "short");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example").toArray(String[]::new)), "at least 32 bytes");
  }

  @Test
  void run_plainHttpIssuerOffLoopback_exit2(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "http://attest.example").toArray(String[]::new)), "loopback");
  }

  @Test
  void run_plainHttpOnNonLoopbackHost_exit2(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--host", "0.0.0.0").toArray(String[]::new)),
        "plain HTTP is allowed only on a loopback address");
  }

  @Test
  void run_mistypedKekFile_exit2AndNothingCreated(@TempDir Path dir) throws Exception {
    Path kek = dir.resolve("kek-typo");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--kek-file", kek.toString()).toArray(String[]::new)),
        "--kek-file " + kek + ": no such file");
    assertFalse(Files.exists(kek));
  }

  @Test
  void run_mistypedSimPlatformDir_exit2AndNothingCreated(@TempDir Path dir) throws Exception {
    Path sim = dir.resolve("platfrom");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--sim", sim.toString()).toArray(String[]::new)),
        "kubesgx sim init --platform");
    assertFalse(Files.exists(sim));
    assertFalse(Files.exists(dir.resolve("state")));
  }

  @Test
  void run_pcsUrlNotHttp_exit2(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--pcs-url", "ftp://pcs.example").toArray(String[]::new)),
        "--pcs-url must be an http(s) URL");
  }

  @Test
  void auditVerify_missingDatabase_exit2(@TempDir Path dir) {
    assertUsageError(run("audit", "verify", "--state-dir", dir.resolve("nope").toString()), "no key-broker database");
  }

  private static Run withTenants(Path dir, String json, String... extra) throws Exception {
    Path f = dir.resolve("tenants.json");
    Files.writeString(f, json);
    List<String> a = new ArrayList<>(List.of("--port", "0", "--state-dir", dir.resolve("state").toString(), "--tenants-file", f.toString(),
        "--trust-issuer", "https://a.example"));
    a.addAll(List.of(extra));
    return run(a.toArray(String[]::new));
  }

  @Test
  void run_tenantsFileMistakes_exit2OneLineNamingTheField(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.token"), "team-a-admin-token-0123456789abcdef-xyz");
    Files.writeString(dir.resolve("short.token"), "short");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"adminTokenFile\": [\"a.token\"]}}}"),
        "tenants.team-a.adminTokenFile is not a known setting");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"trustedIssuers\": [\"https://a.example\"], "
        + "\"bindings\": [{\"namespace\": \"apps\", \"role\": \"owner\"}]}}}"), "tenants.team-a.bindings[0].role must be");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"Team_A\": {}}}"), "tenants.Team_A: tenant names are DNS labels");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"trustedIssuers\": [\"https://a.example\"], "
        + "\"adminTokenFiles\": [\"short.token\"]}}}"), "tenants.team-a.adminTokenFiles[0]: the admin token");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"trustedIssuers\": [\"https://a.example\"], "
        + "\"adminTokenFiles\": [\"missing.token\"]}}}"), "tenants.team-a.adminTokenFiles[0]: cannot read");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"trustedIssuers\": [\"http://attest.example\"]}}}"),
        "tenants.team-a.trustedIssuers");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"adminTokenFiles\": [\"a.token\"]}}}"),
        "tenants.team-a.trustedIssuers must list");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"team-a\": {\"trustedIssuers\": [\"https://a.example\"], "
        + "\"adminTokenFiles\": [\"a.token\"]}, \"team-b\": {\"trustedIssuers\": [\"https://a.example\"], "
        + "\"adminTokenFiles\": [\"a.token\"]}}}"), "give each tenant its own token");
    assertUsageError(withTenants(dir, "{\"tenants\": {}, \"namespaceIsTenant\": \"yes\"}"), "namespaceIsTenant must be true or false");
    assertUsageError(withTenants(dir, "{\"tenants\": {\"a\": {}, \"a\": {}}}"), "duplicate key");
    assertUsageError(withTenants(dir, "[]"), "not a JSON object");
    assertUsageError(withTenants(dir, "{}"), "tenants (an object of tenant name to settings) is required");
    assertUsageError(run("--port", "0", "--state-dir", dir.resolve("state").toString(), "--tenants-file",
        dir.resolve("tenants-typo.json").toString()), "tenants-typo.json: cannot read it");
    assertFalse(Files.exists(dir.resolve("state")), "nothing created for a mistake");
  }

  @Test
  void run_kubernetesOptionMistakes_exit2(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--k8s-audience", "x").toArray(String[]::new)),
        "--k8s-audience needs --k8s-issuer");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--k8s-issuer", "http://cluster.example").toArray(String[]::new)),
        "loopback");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--caller-releases-per-second", "0").toArray(String[]::new)),
        "--caller-releases-per-second");
  }

  @Test
  void run_issuerCaFileMistakes_exit2OneLineAndNothingCreated(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--issuer-ca-file",
        dir.resolve("missing-ca.crt").toString()).toArray(String[]::new)), "--issuer-ca-file");
    Path notPem = Files.writeString(dir.resolve("ca.crt"), "MIIB...\n");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--issuer-ca-file", notPem.toString())
        .toArray(String[]::new)), "is not a PEM certificate bundle");
    assertFalse(Files.exists(dir.resolve("state")), "a refused start creates no state directory");
  }

  @Test
  void auditVerify_intactThenTampered_exit0Then1(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("key-broker.db");
    SecureRandom r = new SecureRandom();
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.of(r.generateSeed(32), r), Clock.systemUTC())) {
      for (int i = 0; i < 3; i++) {
        s.audit(new AuditEntry("admin", "release", "k", "", "jti-" + i, "https://iss", "denied", "x"));
      }
    }
    Run ok = run("audit", "verify", "--state-dir", dir.toString());
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(ok.out().contains("intact: 3 entries"), ok.out());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("UPDATE kb_audit SET result = 'ok' WHERE seq = 2");
    }
    Run bad = run("audit", "verify", "--state-dir", dir.toString());
    assertEquals(1, bad.exit(), bad.out());
    assertTrue(bad.out().contains("TAMPERED") && bad.out().contains("entry 2"), bad.out());
    Run export = run("audit", "export", "--state-dir", dir.toString());
    assertEquals(3, export.out().strip().lines().count(), export.out());
  }

  @Test
  void run_missingAdminTokenFile_exit2SaysHowToCreateIt(@TempDir Path dir) {
    Run r = run("--port", "0", "--state-dir", dir.resolve("state").toString(), "--admin-token-file", "/nope",
        "--trust-issuer", "https://a.example");
    assertUsageError(r, "--admin-token-file /nope: no such file; create it with at least 32 random bytes");
    assertTrue(r.err().contains("head -c 32 /dev/urandom | base64"), r.err());
    assertFalse(Files.exists(dir.resolve("state")), "nothing created for a failed start");
  }

  @Test
  void run_adminTokenFileIsDirectory_exit2(@TempDir Path dir) {
    assertUsageError(run("--port", "0", "--state-dir", dir.resolve("state").toString(), "--admin-token-file", dir.toString(),
        "--trust-issuer", "https://a.example"), "is a directory; give the file holding the admin bearer token");
  }

  @Test
  void run_missingTlsFiles_exit2NamesTheOption(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--tls-cert", dir.resolve("tls.crt").toString(),
        "--tls-key", dir.resolve("tls.key").toString()).toArray(String[]::new)), "--tls-cert " + dir.resolve("tls.crt") + ": no such file");
    Files.writeString(dir.resolve("tls.crt"), "x");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--tls-cert", dir.resolve("tls.crt").toString())
        .toArray(String[]::new)), "HTTPS needs both --tls-cert and --tls-key");
  }

  @Test
  void run_secretProvPortWithoutTls_exit2AndNothingCreated(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--secret-prov-port", "0").toArray(String[]::new)),
        "--secret-prov-port needs --tls-cert and --tls-key");
    assertFalse(Files.exists(dir.resolve("state")));
  }

  @Test
  void run_secretProvOptionWithoutPort_exit2(@TempDir Path dir) throws Exception {
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--secret-prov-tenant", "team-a").toArray(String[]::new)),
        "need --secret-prov-port");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--secret-prov-allow-debug-enclave-insecure")
        .toArray(String[]::new)), "need --secret-prov-port");
  }

  @Test
  void run_secretProvUnknownTenant_exit2NamesTheTenantsAndNothingCreated(@TempDir Path dir) throws Exception {
    io.kubesgx.keybroker.TestPki pki = io.kubesgx.keybroker.TestPki.create(dir);
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--tls-cert", pki.cert.toString(), "--tls-key",
        pki.key.toString(), "--secret-prov-port", "0", "--secret-prov-tenant", "team-typo").toArray(String[]::new)),
        "--secret-prov-tenant team-typo is not a configured tenant");
    assertFalse(Files.exists(dir.resolve("state")));
  }

  @Test
  void run_signingKeyWithoutCert_exit2(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("s.key"), "x");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--signing-key", dir.resolve("s.key").toString())
        .toArray(String[]::new)), "--signing-key and --signing-cert go together");
  }

  @Test
  void run_signingKeyNotPem_exit2NamesTheOption(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("s.key"), "not a key");
    Files.writeString(dir.resolve("s.crt"), "not a chain");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--signing-key", dir.resolve("s.key").toString(),
        "--signing-cert", dir.resolve("s.crt").toString()).toArray(String[]::new)), "--signing-key " + dir.resolve("s.key"));
  }

  @Test
  void run_kekFileWrongSizeOrPreviousMissing_exit2(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("kek"), new byte[16]);
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--kek-file", dir.resolve("kek").toString())
        .toArray(String[]::new)), "must hold exactly 32 bytes");
    Files.write(dir.resolve("kek"), new byte[32]);
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--kek-file", dir.resolve("kek").toString(),
        "--previous-kek-file", dir.resolve("old").toString()).toArray(String[]::new)), "--previous-kek-file " + dir.resolve("old")
        + ": no such file");
    assertFalse(Files.exists(dir.resolve("old")));
  }

  @Test
  void run_stateDirIsAFileOrBadDbUrl_exit2(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("file"), "x");
    Path token = dir.resolve("admin-token");
    Files.writeString(token, "0123456789abcdef0123456789abcdef-admin\n");
    assertUsageError(run("--port", "0", "--state-dir", dir.resolve("file").toString(), "--admin-token-file", token.toString(),
        "--trust-issuer", "https://a.example"), "is not a directory");
    assertUsageError(run(base(dir, "--trust-issuer", "https://a.example", "--db", "jdbc:mysql://x/y").toArray(String[]::new)),
        "use jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB");
  }

  @Test
  void kekRotate_thenAuditVerify_rewrapsEverythingAndCheckpointHolds(@TempDir Path dir) throws Exception {
    SecureRandom r = new SecureRandom();
    byte[] old = r.generateSeed(32);
    Files.write(dir.resolve("kek-old"), old);
    byte[] next = r.generateSeed(32);
    Files.write(dir.resolve("kek"), next);
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + dir.resolve("key-broker.db"), null, null, Envelope.of(old, r), Clock.systemUTC())) {
      s.audit(new AuditEntry("admin", "release", "k", "", "jti-1", "https://iss", "ok", "x"));
    }
    Run ids = run("kek", "id", dir.resolve("kek").toString(), dir.resolve("kek-old").toString());
    assertEquals(0, ids.exit(), ids.err());
    assertTrue(ids.out().startsWith(Envelope.kekId(next) + "  "), ids.out());
    Run rot = run("kek", "rotate", "--state-dir", dir.toString(), "--previous-kek-file", dir.resolve("kek-old").toString());
    assertEquals(0, rot.exit(), rot.err() + rot.out());
    assertTrue(rot.out().contains("the previous key-encryption keys can be removed"), rot.out());
    Run verify = run("audit", "verify", "--state-dir", dir.toString()); // STATE/kek is the new KEK
    assertEquals(0, verify.exit(), verify.err() + verify.out());
    assertTrue(verify.out().contains("intact: 2 entries; head checkpoint verified at seq 2"), verify.out());
  }

  @Test
  void auditVerify_truncatedLog_exit1SaysTruncated(@TempDir Path dir) throws Exception {
    SecureRandom r = new SecureRandom();
    byte[] kek = r.generateSeed(32);
    Files.write(dir.resolve("kek"), kek);
    Path db = dir.resolve("key-broker.db");
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + db, null, null, Envelope.of(kek, r), Clock.systemUTC())) {
      for (int i = 0; i < 3; i++) {
        s.audit(new AuditEntry("admin", "release", "k", "", "jti-" + i, "https://iss", "denied", "x"));
      }
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("DELETE FROM kb_audit WHERE seq = 3");
    }
    Run bad = run("audit", "verify", "--state-dir", dir.toString());
    assertEquals(1, bad.exit(), bad.out() + bad.err());
    assertTrue(bad.out().contains("truncated: head seq 2, checkpoint says 3"), bad.out());
  }

  @Test
  void auditVerify_otherKek_exit2SaysWhichKekIsNeeded(@TempDir Path dir) throws Exception {
    SecureRandom r = new SecureRandom();
    try (KeyStore s = KeyStore.open("jdbc:sqlite:" + dir.resolve("key-broker.db"), null, null, Envelope.of(r.generateSeed(32), r),
        Clock.systemUTC())) {
      s.audit(new AuditEntry("admin", "release", "k", "", "jti", "https://iss", "ok", "x"));
    }
    Files.write(dir.resolve("other"), r.generateSeed(32));
    assertUsageError(run("audit", "verify", "--state-dir", dir.toString(), "--kek-file", dir.resolve("other").toString()),
        "give that KEK with --kek-file or --previous-kek-file");
    assertUsageError(run("audit", "verify", "--state-dir", dir.toString(), "--kek-file", dir.resolve("nope").toString()),
        "--kek-file " + dir.resolve("nope") + ": no such file");
  }

  @Test
  void kekRotate_userMistakes_exit2OneLine(@TempDir Path dir) throws Exception {
    assertUsageError(run("kek", "rotate"), "--state-dir DIR is required");
    assertUsageError(run("kek", "rotate", "--state-dir", dir.toString()), "--kek-file " + dir.resolve("kek") + ": no such file");
    Files.write(dir.resolve("kek"), new byte[32]);
    assertUsageError(run("kek", "rotate", "--state-dir", dir.toString()), "no key-broker database in");
    assertUsageError(run("kek", "rotate", "--state-dir", dir.toString(), "--batch-size", "0"), "--batch-size must be 1..10000");
    assertUsageError(run("kek", "id", dir.resolve("missing").toString()), "no such file");
    assertFalse(Files.exists(dir.resolve("key-broker.db")), "nothing created");
  }
}
