package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.tenant.KubernetesIssuer;
import io.kubesgx.keybroker.tenant.TenantsFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants and callers over the REST API: keys, audit entries and trusted issuers per tenant with
 * nothing crossing tenants; unknown tenants are 404; admin tokens per tenant; Kubernetes
 * service-account tokens verified against a loopback OIDC issuer and mapped to roles (bindings and
 * namespace-as-tenant); the release dry-run and what each role is told about a denial.
 */
class TenantsTest {
  private static final String ADMIN = "default-admin-token-0123456789abcdef-xyz";
  private static final String ADMIN_A = "team-a-admin-token-0123456789abcdef-xyz";
  private static final String ADMIN_B = "team-b-admin-token-0123456789abcdef-xyz";
  private static final String AUD = KubernetesIssuer.DEFAULT_AUDIENCE;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static Enclaves enclaves;
  static TestOidcIssuer cluster;
  static KeyBrokerServer broker;

  @BeforeAll
  static void start() throws Exception {
    enclaves = Enclaves.start(dir.resolve("enclaves"));
    cluster = TestOidcIssuer.start();
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("a.token"), ADMIN_A + "\n");
    Files.writeString(conf.resolve("b.token"), ADMIN_B + "\n");
    String iss = "[\"" + enclaves.issuer() + "\"]";
    Files.writeString(conf.resolve("tenants.json"), "{\"namespaceIsTenant\": true, \"tenants\": {"
        + "\"team-a\": {\"adminTokenFiles\": [\"a.token\"], \"trustedIssuers\": " + iss + ", \"bindings\": ["
        + "{\"namespace\": \"apps\", \"serviceAccount\": \"payments\", \"role\": \"release\"},"
        + "{\"namespace\": \"ops\", \"role\": \"admin\"}]},"
        + "\"team-b\": {\"adminTokenFiles\": [\"b.token\"], \"trustedIssuers\": " + iss + "}}}");
    broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN, List.of(enclaves.issuer()))
        .withTenants(TenantsFile.read(conf.resolve("tenants.json"), List.of()))
        .withKubernetes(new KubernetesIssuer(cluster.issuer(), AUD)), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (enclaves != null) {
      enclaves.close();
    }
  }

  static HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(broker.baseUrl() + path + "?api-version=7.5"))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String policy() {
    String p = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + enclaves.issuer() + "\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":3}]}]}";
    return Base64.getUrlEncoder().withoutPadding().encodeToString(p.getBytes(StandardCharsets.UTF_8));
  }

  static String create(String prefix, String name, String token) throws Exception {
    HttpResponse<String> r = send("POST", prefix + "/keys/" + name + "/create", "{\"kty\":\"oct-HSM\",\"key_size\":256,"
        + "\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\"" + policy() + "\"}}", token);
    assertEquals(200, r.statusCode(), r.body());
    return Json.parseObject(r.body()).object("key").string("kid");
  }

  static String targetBody(boolean debug) throws Exception {
    return "{\"target\":\"" + enclaves.token(Enclaves.transferKey(), debug, Enclaves.MRSIGNER, 3) + "\"}";
  }

  static String errorCode(HttpResponse<String> r) throws Exception {
    return Json.parseObject(r.body()).object("error").string("code");
  }

  static String errorMessage(HttpResponse<String> r) throws Exception {
    return Json.parseObject(r.body()).object("error").string("message");
  }

  // ---------------------------------------------------------------- isolation

  @Test
  void keys_sameNameInTwoTenants_eachAdminSeesOnlyItsOwn() throws Exception {
    String kidA = create("/t/team-a", "shared-name", ADMIN_A);
    String kidB = create("/t/team-b", "shared-name", ADMIN_B);
    assertTrue(kidA.startsWith(broker.baseUrl() + "/t/team-a/keys/shared-name/"), kidA);
    assertTrue(kidB.startsWith(broker.baseUrl() + "/t/team-b/keys/shared-name/"), kidB);
    assertEquals(kidA, Json.parseObject(send("GET", "/t/team-a/keys/shared-name", null, ADMIN_A).body()).object("key").string("kid"));
    assertEquals(kidB, Json.parseObject(send("GET", "/t/team-b/keys/shared-name", null, ADMIN_B).body()).object("key").string("kid"));
    // The default tenant does not see either.
    assertEquals(404, send("GET", "/keys/shared-name", null, ADMIN).statusCode());
  }

  @Test
  void adminToken_ofAnotherTenant_isUnauthorizedForEveryOperation() throws Exception {
    create("/t/team-b", "b-only", ADMIN_B);
    assertEquals(401, send("GET", "/t/team-b/keys/b-only", null, ADMIN_A).statusCode());
    assertEquals(401, send("POST", "/t/team-b/keys/b-only/release", targetBody(false), ADMIN_A).statusCode());
    assertEquals(401, send("DELETE", "/t/team-b/keys/b-only", null, ADMIN_A).statusCode());
    assertEquals(401, send("GET", "/t/team-b/keys/b-only", null, ADMIN).statusCode());
    assertEquals(401, send("GET", "/keys/b-only", null, ADMIN_B).statusCode(), "team-b's token is not the default tenant's");
    // A's admin in its own tenant does not find B's key either.
    assertEquals(404, send("GET", "/t/team-a/keys/b-only", null, ADMIN_A).statusCode());
    assertEquals(200, send("GET", "/t/team-b/keys/b-only", null, ADMIN_B).statusCode());
  }

  @Test
  void audit_entries_carryTheirTenantAndActor() throws Exception {
    create("/t/team-a", "audited", ADMIN_A);
    List<String> lines = broker.store().auditLines(100_000);
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"tenant\":\"team-a\"") && l.contains("\"action\":\"create\"")
        && l.contains("\"key\":\"audited\"") && l.contains("\"actor\":\"admin:a.token\"")), String.join("\n", lines));
    assertTrue(broker.store().verifyAudit().intact());
  }

  @Test
  void unknownTenant_anyRequest_404InKeyVaultShapeAndNotCreated() throws Exception {
    HttpResponse<String> r = send("POST", "/t/team-c/keys/x/create", "{\"kty\":\"oct\"}", ADMIN_A);
    assertEquals(404, r.statusCode(), r.body());
    assertEquals("NotFound", errorCode(r));
    assertTrue(errorMessage(r).contains("team-c"), r.body());
    assertEquals(404, send("GET", "/t/team-c/keys/x", null, null).statusCode(), "404 even before authentication");
    assertEquals(404, send("GET", "/t/Team_A/keys/x", null, ADMIN_A).statusCode(), "not a DNS label");
    assertEquals(404, send("GET", "/t/team-a", null, ADMIN_A).statusCode());
    assertFalse(broker.store().auditLines(100_000).stream().anyMatch(l -> l.contains("team-c")));
  }

  @Test
  void challenge_withoutToken_namesTheAddressedTenant() throws Exception {
    HttpResponse<String> r = send("GET", "/t/team-b/keys/anything", null, null);
    assertEquals(401, r.statusCode());
    String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertTrue(challenge.startsWith("Bearer authorization=\"https://login.kubesgx.invalid/team-b\", resource=\""), challenge);
    String dflt = send("GET", "/keys/anything", null, null).headers().firstValue("WWW-Authenticate").orElseThrow();
    assertTrue(dflt.contains("login.kubesgx.invalid/default\""), dflt);
  }

  // ---------------------------------------------------------------- service accounts

  @Test
  void serviceAccount_releaseBinding_releasesButCannotReadOrCreate() throws Exception {
    create("/t/team-a", "for-payments", ADMIN_A);
    String sa = cluster.token("apps", "payments", AUD);
    HttpResponse<String> r = send("POST", "/t/team-a/keys/for-payments/release", targetBody(false), sa);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(403, send("GET", "/t/team-a/keys/for-payments", null, sa).statusCode());
    assertEquals(403, send("POST", "/t/team-a/keys/new-one/create", "{\"kty\":\"oct\"}", sa).statusCode());
    assertEquals(403, send("GET", "/t/team-b/keys/for-payments", null, sa).statusCode(), "no role in team-b");
    assertTrue(broker.store().auditLines(100_000).stream().anyMatch(l -> l.contains("\"actor\":\"system:serviceaccount:apps:payments\"")
        && l.contains("\"action\":\"release\"") && l.contains("\"result\":\"ok\"")));
  }

  @Test
  void serviceAccount_otherAccountOfBoundNamespace_hasNoRole() throws Exception {
    String sa = cluster.token("apps", "not-payments", AUD);
    HttpResponse<String> r = send("POST", "/t/team-a/keys/for-anything/release", targetBody(false), sa);
    assertEquals(403, r.statusCode(), r.body());
    assertEquals("Forbidden", errorCode(r));
  }

  @Test
  void serviceAccount_invalidTokens_401WithChallenge() throws Exception {
    Instant past = Instant.now().minusSeconds(3600);
    List<String> bad = List.of(
        cluster.token("apps", "payments", "some-other-audience"),
        cluster.sign(cluster.claims("apps", "payments", AUD).issueTime(Date.from(past.minusSeconds(600)))
            .notBeforeTime(Date.from(past.minusSeconds(600))).expirationTime(Date.from(past)).build()),
        cluster.signWithUnknownKey(cluster.claims("apps", "payments", AUD).build()),
        cluster.sign(cluster.claims("apps", "payments", AUD).issuer("https://other-cluster.example").build()),
        cluster.signEs256(cluster.claims("apps", "payments", AUD).build()),
        cluster.sign(new JWTClaimsSet.Builder(cluster.claims("apps", "payments", AUD).build()).claim("kubernetes.io", null).build()));
    for (String token : bad) {
      HttpResponse<String> r = send("GET", "/t/team-a/keys/anything", null, token);
      assertEquals(401, r.statusCode(), r.body());
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").contains("/team-a\""), r.headers().toString());
      assertFalse(r.body().contains(token), "the token is not echoed");
    }
  }

  @Test
  void serviceAccount_clusterIssuerUnreachable_503NotChallenge(@TempDir Path other) throws Exception {
    // Port 9 (discard) on loopback: nothing listens, so discovery fails.
    try (KeyBrokerServer b = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, other, ADMIN, List.of(enclaves.issuer()))
        .withKubernetes(new KubernetesIssuer("http://127.0.0.1:9", AUD)), Clock.systemUTC())) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/keys/k?api-version=7.5"))
          .header("Authorization", "Bearer " + cluster.token("apps", "payments", AUD)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode(), r.body());
      assertEquals("ServiceUnavailable", errorCode(r));
      assertTrue(r.headers().firstValue("WWW-Authenticate").isEmpty(), "not an authentication failure");
    }
  }

  @Test
  void serviceAccount_adminBinding_managesItsTenantOnly() throws Exception {
    String ops = cluster.token("ops", "deployer", AUD);
    create("/t/team-a", "by-ops", ops);
    assertEquals(200, send("GET", "/t/team-a/keys/by-ops", null, ops).statusCode());
    assertEquals(403, send("POST", "/t/team-b/keys/by-ops/create", "{\"kty\":\"oct\"}", ops).statusCode());
    assertEquals(403, send("GET", "/keys/by-ops", null, ops).statusCode());
  }

  @Test
  void namespaceIsTenant_accountOfNamespace_releaseRoleInThatTenantOnly() throws Exception {
    create("/t/team-b", "ns-key", ADMIN_B);
    String sa = cluster.token("team-b", "app", AUD);
    assertEquals(200, send("POST", "/t/team-b/keys/ns-key/release", targetBody(false), sa).statusCode());
    assertEquals(403, send("GET", "/t/team-b/keys/ns-key", null, sa).statusCode(), "release role only");
    assertEquals(403, send("POST", "/t/team-a/keys/ns-key/release", targetBody(false), sa).statusCode());
  }

  // ---------------------------------------------------------------- dry-run and denial detail

  @Test
  void dryRun_admin_seesFailedConditionWithDetailAndNothingIsReleased() throws Exception {
    create("/t/team-a", "dry", ADMIN_A);
    HttpResponse<String> r = send("POST", "/t/team-a/keys/dry/dry-run", targetBody(true), ADMIN_A);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = Json.parseObject(r.body());
    assertEquals(new JsonValue.JsonBool(false), o.get("allowed"));
    JsonObject f = (JsonObject) o.array("failures").get(0);
    assertEquals("x-ms-sgx-is-debuggable", f.string("claim"));
    assertTrue(f.string("detail").length() > 0, r.body());
    assertFalse(r.body().contains("\"value\""), "no release");
    String last = broker.store().auditLines(100_000).stream().filter(l -> l.contains("\"key\":\"dry\"")).reduce((a, b) -> b).orElseThrow();
    assertTrue(last.contains("\"action\":\"dry-run\"") && last.contains("\"result\":\"denied\"") && last.contains("team-a"), last);

    HttpResponse<String> ok = send("POST", "/t/team-a/keys/dry/dry-run", targetBody(false), ADMIN_A);
    assertEquals(new JsonValue.JsonBool(true), Json.parseObject(ok.body()).get("allowed"), ok.body());
  }

  @Test
  void dryRun_releaseRole_seesOnlyTheClaimName() throws Exception {
    create("/t/team-a", "dry-release", ADMIN_A);
    String sa = cluster.token("apps", "payments", AUD);
    HttpResponse<String> r = send("POST", "/t/team-a/keys/dry-release/dry-run", targetBody(true), sa);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = Json.parseObject(r.body());
    assertEquals(new JsonValue.JsonBool(false), o.get("allowed"));
    JsonObject f = (JsonObject) o.array("failures").get(0);
    assertEquals("x-ms-sgx-is-debuggable", f.string("claim"));
    assertFalse(f.has("detail"), r.body());
    String admin = send("POST", "/t/team-a/keys/dry-release/dry-run", targetBody(true), ADMIN_A).body();
    String detail = ((JsonObject) Json.parseObject(admin).array("failures").get(0)).string("detail");
    assertFalse(r.body().contains(detail), r.body());
  }

  @Test
  void release_deniedForReleaseRole_messageNamesOnlyTheClaim() throws Exception {
    create("/t/team-a", "real-deny", ADMIN_A);
    String body = targetBody(true);
    HttpResponse<String> asRelease = send("POST", "/t/team-a/keys/real-deny/release", body, cluster.token("apps", "payments", AUD));
    HttpResponse<String> asAdmin = send("POST", "/t/team-a/keys/real-deny/release", body, ADMIN_A);
    assertEquals(403, asRelease.statusCode());
    assertEquals(403, asAdmin.statusCode());
    assertEquals("Release policy not satisfied (claims: x-ms-sgx-is-debuggable)", errorMessage(asRelease));
    assertTrue(errorMessage(asAdmin).startsWith("Release policy not satisfied: x-ms-sgx-is-debuggable: "), errorMessage(asAdmin));
    assertNotEquals(errorMessage(asAdmin), errorMessage(asRelease));
  }

  @Test
  void dryRun_policyInBody_evaluatedWithoutAKey() throws Exception {
    String body = "{\"target\":\"" + enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 2)
        + "\",\"release_policy\":{\"data\":\"" + policy() + "\"}}";
    HttpResponse<String> r = send("POST", "/t/team-b/dry-run", body, ADMIN_B);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = Json.parseObject(r.body());
    assertEquals(new JsonValue.JsonBool(false), o.get("allowed"));
    assertEquals("x-ms-sgx-svn", ((JsonObject) o.array("failures").get(0)).string("claim"));
    assertTrue(broker.store().auditLines(100_000).stream().anyMatch(l -> l.contains("\"tenant\":\"team-b\"")
        && l.contains("\"action\":\"dry-run\"")));
  }
}
