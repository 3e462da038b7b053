package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each reason a release is refused, over the REST API on loopback HTTP, with the reason in the
 * answer and a {@code denied} entry in the audit log; plus the Key Vault error shapes of key
 * management ({@code AKV.SKR.*}) and the authentication challenge.
 */
class ReleaseDenialTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static Enclaves enclaves;
  static KeyBrokerServer broker;

  @BeforeAll
  static void start() throws Exception {
    enclaves = Enclaves.start(dir.resolve("enclaves"));
    broker = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir.resolve("broker"), ADMIN, List.of(enclaves.issuer())),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
    if (enclaves != null) {
      enclaves.close();
    }
  }

  static String policy() {
    String p = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + enclaves.issuer() + "\",\"allOf\":["
        + "{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},"
        + "{\"claim\":\"x-ms-sgx-mrsigner\",\"equals\":\"" + Enclaves.MRSIGNER.hex() + "\"},"
        + "{\"claim\":\"x-ms-sgx-svn\",\"greaterOrEquals\":3}]}]}";
    // Standard base64 with padding, as the sidecar's tests send it.
    return Base64.getEncoder().encodeToString(p.getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> send(KeyBrokerServer b, String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.baseUrl() + path + (path.contains("?") ? "&" : "?") + "api-version=7.5"))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String createExportable(KeyBrokerServer b, String name, String extraAttributes) throws Exception {
    HttpResponse<String> r = send(b, "POST", "/keys/" + name + "/create", "{\"kty\":\"oct-HSM\",\"key_size\":256,"
        + "\"attributes\":{\"exportable\":true" + extraAttributes + "},\"release_policy\":{\"data\":\"" + policy() + "\"}}", ADMIN);
    assertEquals(200, r.statusCode(), r.body());
    return Json.parseObject(r.body()).object("key").string("kid");
  }

  static String release(KeyBrokerServer b, String name, String target, int status) throws Exception {
    HttpResponse<String> r = send(b, "POST", "/keys/" + name + "/release", "{\"target\":\"" + target + "\"}", ADMIN);
    assertEquals(status, r.statusCode(), r.body());
    return r.body();
  }

  static String errorMessage(String body) throws Exception {
    return Json.parseObject(body).object("error").string("message");
  }

  static String lastAudit(KeyBrokerServer b) throws Exception {
    List<String> lines = b.store().auditLines(100_000);
    return lines.get(lines.size() - 1);
  }

  @Test
  void release_matchingEnclave_succeeds() throws Exception {
    createExportable(broker, "ok-key", "");
    String body = release(broker, "ok-key", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3), 200);
    assertTrue(Json.parseObject(body).string("value").split("\\.").length == 3);
    assertTrue(lastAudit(broker).contains("\"result\":\"ok\""), lastAudit(broker));
  }

  @Test
  void release_debugEnclave_403NamingDebuggable() throws Exception {
    createExportable(broker, "d-debug", "");
    String body = release(broker, "d-debug", enclaves.token(Enclaves.transferKey(), true, Enclaves.MRSIGNER, 3), 403);
    assertTrue(errorMessage(body).contains("x-ms-sgx-is-debuggable"), body);
    assertTrue(lastAudit(broker).contains("\"result\":\"denied\"") && lastAudit(broker).contains("x-ms-sgx-is-debuggable"));
  }

  @Test
  void release_wrongMrSigner_403NamingMrSigner() throws Exception {
    createExportable(broker, "d-signer", "");
    byte[] other = new byte[32];
    other[0] = 1;
    String body = release(broker, "d-signer",
        enclaves.token(Enclaves.transferKey(), false, io.kubesgx.common.Bytes.of(other), 3), 403);
    assertTrue(errorMessage(body).contains("x-ms-sgx-mrsigner"), body);
  }

  @Test
  void release_svnTooLow_403NamingSvn() throws Exception {
    createExportable(broker, "d-svn", "");
    String body = release(broker, "d-svn", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 2), 403);
    assertTrue(errorMessage(body).contains("x-ms-sgx-svn"), body);
    assertTrue(lastAudit(broker).contains("\"jti\":\""), lastAudit(broker));
  }

  @Test
  void release_expiredToken_403Expired(@TempDir Path other) throws Exception {
    // A broker whose clock is 9 h ahead sees the (8 h) token as expired.
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(9));
    try (KeyBrokerServer b = KeyBrokerServer.start(KeyBrokerServer.Options.local(0, other, ADMIN, List.of(enclaves.issuer())), later)) {
      createExportable(b, "d-expired", "");
      String body = release(b, "d-expired", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3), 403);
      assertTrue(errorMessage(body).contains("EXPIRED"), body);
      assertTrue(lastAudit(b).contains("\"result\":\"denied\""));
    }
  }

  @Test
  void release_untrustedIssuer_403() throws Exception {
    createExportable(broker, "d-issuer", "");
    String body = release(broker, "d-issuer", forged("https://attacker.example", "k1"), 403);
    assertTrue(errorMessage(body).contains("not trusted"), body);
  }

  @Test
  void release_tokenSignedByKeyNotInJwks_403UnknownKey() throws Exception {
    createExportable(broker, "d-jwks", "");
    String body = release(broker, "d-jwks", forged(enclaves.issuer(), "rogue-key"), 403);
    assertTrue(errorMessage(body).contains("UNKNOWN_KEY"), body);
  }

  @Test
  void release_disabledKey_403() throws Exception {
    createExportable(broker, "d-disabled", "");
    assertEquals(200, send(broker, "PATCH", "/keys/d-disabled/", "{\"attributes\":{\"enabled\":false}}", ADMIN).statusCode());
    String body = release(broker, "d-disabled", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3), 403);
    assertTrue(errorMessage(body).contains("disabled"), body);
  }

  @Test
  void release_expiredKey_403() throws Exception {
    createExportable(broker, "d-exp", ",\"exp\":" + Instant.now().minusSeconds(60).getEpochSecond());
    String body = release(broker, "d-exp", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3), 403);
    assertTrue(errorMessage(body).contains("expired"), body);
  }

  @Test
  void release_nonExportableKey_403() throws Exception {
    assertEquals(200, send(broker, "POST", "/keys/d-nonexp/create", "{\"kty\":\"RSA\"}", ADMIN).statusCode());
    String body = release(broker, "d-nonexp", enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3), 403);
    assertTrue(errorMessage(body).contains("not exportable"), body);
  }

  @Test
  void release_versionedAndDoubleSlashPaths_accepted() throws Exception {
    String kid = createExportable(broker, "paths", "");
    String version = kid.substring(kid.lastIndexOf('/') + 1);
    String token = enclaves.token(Enclaves.transferKey(), false, Enclaves.MRSIGNER, 3);
    assertEquals(200, send(broker, "POST", "/keys/paths//release", "{\"target\":\"" + token + "\"}", ADMIN).statusCode());
    assertEquals(200, send(broker, "POST", "/keys/paths/" + version + "/release", "{\"target\":\"" + token + "\"}", ADMIN).statusCode());
  }

  @Test
  void keys_withoutBearer_401ChallengeBeforeBody() throws Exception {
    HttpResponse<String> r = send(broker, "POST", "/keys/x/create", "{\"kty\":\"RSA\"}", null);
    assertEquals(401, r.statusCode());
    String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertTrue(challenge.startsWith("Bearer authorization=\"https://") && challenge.contains("resource=\"" + broker.baseUrl() + "\""), challenge);
    assertEquals(401, send(broker, "GET", "/keys/x", null, "wrong-token").statusCode());
    assertEquals(404, send(broker, "GET", "/keys/x", null, ADMIN).statusCode(), "nothing was created without a token");
  }

  @Test
  void create_skrRules_keyVaultErrors() throws Exception {
    JsonObject e1 = Json.parseObject(send(broker, "POST", "/keys/e1/create",
        "{\"kty\":\"RSA\",\"attributes\":{\"exportable\":true}}", ADMIN).body()).object("error");
    assertEquals("BadParameter", e1.string("code"));
    assertTrue(e1.string("message").startsWith("AKV.SKR.1004"), e1.string("message"));
    String e2 = send(broker, "POST", "/keys/e2/create", "{\"kty\":\"RSA\",\"release_policy\":{\"data\":\"" + policy() + "\"}}", ADMIN).body();
    assertTrue(errorMessage(e2).startsWith("AKV.SKR.1005"), e2);
    String bad = send(broker, "POST", "/keys/e3/create", "{\"kty\":\"RSA\",\"attributes\":{\"exportable\":true},"
        + "\"release_policy\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString("{\"anyOf\":[]}".getBytes(StandardCharsets.UTF_8))
        + "\"}}", ADMIN).body();
    assertTrue(errorMessage(bad).contains("missing 'version'"), bad);
    HttpResponse<String> noVersion = HTTP.send(HttpRequest.newBuilder(URI.create(broker.baseUrl() + "/keys/e4"))
        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, noVersion.statusCode(), noVersion.body());
    assertEquals(400, send(broker, "POST", "/keys/e5/create", "{\"kty\":\"RSA\",\"key_size\":1024}", ADMIN).statusCode());
    assertEquals(400, send(broker, "POST", "/keys/bad_name/create", "{\"kty\":\"RSA\"}", ADMIN).statusCode());
  }

  @Test
  void update_immutablePolicy_cannotBeChangedButOthersCan() throws Exception {
    HttpResponse<String> r = send(broker, "POST", "/keys/imm/create", "{\"kty\":\"oct\",\"attributes\":{\"exportable\":true},"
        + "\"release_policy\":{\"data\":\"" + policy() + "\",\"immutable\":true}}", ADMIN);
    assertEquals(200, r.statusCode(), r.body());
    String other = Base64.getUrlEncoder().withoutPadding().encodeToString(("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\""
        + enclaves.issuer() + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-svn\",\"greater\":0}]}]}").getBytes(StandardCharsets.UTF_8));
    String body = send(broker, "PATCH", "/keys/imm", "{\"release_policy\":{\"data\":\"" + other + "\"}}", ADMIN).body();
    assertTrue(errorMessage(body).startsWith("AKV.SKR.1020"), body);
    assertEquals(200, send(broker, "PATCH", "/keys/imm", "{\"tags\":{\"a\":\"b\"}}", ADMIN).statusCode());
    String exp = send(broker, "PATCH", "/keys/imm", "{\"attributes\":{\"exportable\":false}}", ADMIN).body();
    assertTrue(errorMessage(exp).startsWith("AKV.SKR.1003"), exp);
  }

  @Test
  void versionsGetDelete_roundTrip() throws Exception {
    send(broker, "POST", "/keys/multi/create", "{\"kty\":\"EC\",\"crv\":\"P-256\"}", ADMIN);
    HttpResponse<String> second = send(broker, "POST", "/keys/multi/create", "{\"kty\":\"EC-HSM\",\"crv\":\"P-384\"}", ADMIN);
    JsonObject latest = Json.parseObject(send(broker, "GET", "/keys/multi", null, ADMIN).body());
    assertEquals(Json.parseObject(second.body()).object("key").string("kid"), latest.object("key").string("kid"));
    assertEquals("P-384", latest.object("key").string("crv"));
    assertFalse(latest.object("key").has("d"), "never the private part");
    assertEquals(2, Json.parseObject(send(broker, "GET", "/keys/multi/versions", null, ADMIN).body()).array("value").size());
    assertEquals(200, send(broker, "DELETE", "/keys/multi", null, ADMIN).statusCode());
    assertEquals(404, send(broker, "GET", "/keys/multi", null, ADMIN).statusCode());
    assertTrue(broker.store().verifyAudit().intact());
  }

  @Test
  void metrics_countReleasesByRouteAndStatus() throws Exception {
    String m = HTTP.send(HttpRequest.newBuilder(URI.create(broker.baseUrl() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(m.contains("kubesgx_keybroker_requests_total"), m);
  }

  /** A well-formed RS256 token signed by a key the issuer never published. */
  private static String forged(String issuer, String kid) throws Exception {
    KeyPair k = Enclaves.transferKey();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), new JWTClaimsSet.Builder()
        .issuer(issuer).expirationTime(Date.from(Instant.now().plusSeconds(600))).issueTime(new Date())
        .claim("x-ms-sgx-is-debuggable", false).claim("x-ms-sgx-mrsigner", Enclaves.MRSIGNER.hex()).claim("x-ms-sgx-svn", 9)
        .claim("x-ms-runtime", Map.of("keys", List.of())).build());
    jwt.sign(new RSASSASigner(k.getPrivate()));
    return jwt.serialize();
  }
}
