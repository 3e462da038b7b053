package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.sim.Scenario;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end over HTTP: a simulated enclave attests to a running service, and tokens verify from discovery alone. */
class AttestationServerTest {
  static Path dir;
  static SimQuotes sim;
  static AttestationServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String ADMIN = "test-admin-token-0123456789abcdef";

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("attest");
    sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    server = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")).withAdminToken(ADMIN),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String b64u(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> send(String method, String path, String body, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("Authorization", "Bearer " + auth);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String attestBody(byte[] quote, byte[] runtime, String dataType, String extra) {
    return "{\"quote\":\"" + b64u(quote) + "\",\"runtimeData\":{\"data\":\"" + b64u(runtime) + "\",\"dataType\":\""
        + dataType + "\"}" + (extra == null ? "" : "," + extra) + "}";
  }

  static JWTClaimsSet verifyFromDiscovery(String jwt) throws Exception {
    HttpResponse<String> d = send("GET", "/.well-known/openid-configuration", null, null);
    assertEquals(200, d.statusCode());
    JsonObject disc = Json.parseObject(d.body());
    assertEquals(server.baseUrl(), disc.string("issuer"));
    JWKSource<SecurityContext> keys = JWKSourceBuilder.create(new URL(disc.string("jwks_uri"))).retrying(false).build();
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
    JWTClaimsSet c = p.process(jwt, null);
    assertEquals(disc.string("issuer"), c.getIssuer());
    return c;
  }

  static String token(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    return Json.parseObject(r.body()).string("token");
  }

  @Test
  void attest_simulatedEnclaveWithBinaryRuntimeData_tokenVerifiesFromDiscoveryWithMaaClaims() throws Exception {
    byte[] runtime = "hello enclave".getBytes(StandardCharsets.UTF_8);
    byte[] quote = sim.quote(runtime, false);
    HttpResponse<String> r = post("/attest/SgxEnclave?api-version=2022-08-01", attestBody(quote, runtime, "Binary", "\"nonce\":\"n-123\""));
    JWTClaimsSet c = verifyFromDiscovery(token(r));
    assertEquals("sgx", c.getStringClaim("x-ms-attestation-type"));
    assertEquals(SimQuotes.MRENCLAVE.hex(), c.getStringClaim("x-ms-sgx-mrenclave"));
    assertEquals(false, c.getBooleanClaim("x-ms-sgx-is-debuggable"));
    assertEquals(7L, c.getLongClaim("x-ms-sgx-product-id"));
    assertEquals(3L, c.getLongClaim("x-ms-sgx-svn"));
    assertEquals(b64u(runtime), c.getStringClaim("x-ms-sgx-ehd"));
    assertEquals(SimQuotes.reportDataFor(runtime).hex(), c.getStringClaim("x-ms-sgx-report-data"));
    assertEquals("n-123", c.getStringClaim("nonce"));
    assertEquals("1.0", c.getStringClaim("x-ms-ver"));
    assertEquals("UpToDate", c.getStringClaim("x-kubesgx-tcb-status"));
    assertEquals(true, c.getBooleanClaim("x-kubesgx-simulated"));
    assertTrue(c.getJSONObjectClaim("x-ms-sgx-collateral").containsKey("tcbinfohash"));
    assertEquals(Bytes.of(quote).sha256().hex(), c.getJSONObjectClaim("x-ms-sgx-collateral").get("quotehash"));
    assertTrue(c.getExpirationTime().toInstant().isAfter(c.getIssueTime().toInstant()));
    assertTrue(c.getLongClaim("x-kubesgx-collateral-expiry") >= c.getExpirationTime().toInstant().getEpochSecond());
    assertTrue(c.getStringClaim("x-ms-policy-hash").matches("[A-Za-z0-9_-]{43}"));
  }

  @Test
  void attest_jsonRuntimeData_parsedIntoXmsRuntime() throws Exception {
    byte[] runtime = "{\"keys\":[{\"kid\":\"k1\",\"kty\":\"EC\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[] quote = sim.quote(runtime, false);
    JWTClaimsSet c = verifyFromDiscovery(token(post("/attest/SgxEnclave?api-version=2020-10-01", attestBody(quote, runtime, "JSON", null))));
    Map<String, Object> rt = c.getJSONObjectClaim("x-ms-runtime");
    assertEquals("k1", ((Map<?, ?>) ((List<?>) rt.get("keys")).get(0)).get("kid"));

    String policy = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-runtime\\\"]"
        + " => issue(type=\\\"kid\\\", value=JsonToClaimValue(JmesPath(c.value, \\\"keys[0].kid\\\"))); };";
    HttpResponse<String> r = post("/attest/SgxEnclave", attestBody(quote, runtime, "JSON", "\"draftPolicyForAttestation\":\"" + policy + "\""));
    Map<?, ?> issued = (Map<?, ?>) JWTParser.parse(token(r)).getJWTClaimsSet().getClaim("x-ms-policy");
    assertEquals("k1", issued.get("kid"), "a 1.2 policy reads the JSON runtime data with JmesPath");
  }

  @Test
  void attest_runtimeDataMismatch_is400WithBothHashes() throws Exception {
    byte[] quote = sim.quote("one".getBytes(StandardCharsets.UTF_8), false);
    HttpResponse<String> r = post("/attest/SgxEnclave", attestBody(quote, "two".getBytes(StandardCharsets.UTF_8), "Binary", null));
    assertEquals(400, r.statusCode());
    JsonObject err = Json.parseObject(r.body()).object("error");
    assertEquals("RuntimeDataMismatch", err.string("code"));
    assertTrue(err.string("message").contains("REPORTDATA"));
  }

  @Test
  void attest_malformedInputs_are400NeverServerErrors() throws Exception {
    String[] bodies = {
      "", "not json", "[]", "{}", "{\"quote\":5}", "{\"quote\":\"***\"}", "{\"quote\":\"AAAA\"}",
      "{\"quote\":\"" + b64u(new byte[2000]) + "\"}",
      "{\"quote\":\"" + b64u(sim.quote(new byte[1], false)) + "\",\"runtimeData\":{\"data\":\"AA\",\"dataType\":\"XML\"}}",
      "{\"quote\":\"" + b64u(sim.quote(new byte[1], false)) + "\",\"runtimeData\":{\"data\":\"" + b64u("{bad".getBytes(StandardCharsets.UTF_8)) + "\",\"dataType\":\"JSON\"}}",
      "{\"quote\":\"" + b64u(sim.quote(new byte[1], false)) + "\",\"draftPolicyForAttestation\":\"version=1.0; authorizationrules { => nonsense(); };\"}",
    };
    for (String b : bodies) {
      HttpResponse<String> r = post("/attest/SgxEnclave", b);
      assertEquals(400, r.statusCode(), b + " -> " + r.body());
      assertTrue(Json.parseObject(r.body()).object("error").string("message").length() > 10, r.body());
    }
  }

  @Test
  void attest_debugEnclaveUnderDefaultPolicy_isDenied() throws Exception {
    byte[] runtime = new byte[] {1};
    HttpResponse<String> r = post("/attest/SgxEnclave", attestBody(sim.quote(runtime, true), runtime, "Binary", null));
    assertEquals(400, r.statusCode());
    assertEquals("PolicyDenied", Json.parseObject(r.body()).object("error").string("code"));
  }

  @Test
  void attest_draftPolicy_returnsUnsignedTokenWithIssuedClaims() throws Exception {
    byte[] runtime = new byte[] {2};
    String policy = "version=1.0; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-sgx-svn\\\"] => issue(type=\\\"app-svn\\\", value=c.value); };";
    HttpResponse<String> r = post("/attest/SgxEnclave", attestBody(sim.quote(runtime, true), runtime, "Binary",
        "\"draftPolicyForAttestation\":\"" + policy + "\""));
    var jwt = JWTParser.parse(token(r));
    assertTrue(jwt instanceof PlainJWT, "draft-policy tokens are unsigned");
    assertEquals(3L, ((Number) ((Map<?, ?>) jwt.getJWTClaimsSet().getClaim("x-ms-policy")).get("app-svn")).longValue());
  }

  @Test
  void attest_openEnclaveReport_headerStrippedAndVerified() throws Exception {
    byte[] runtime = new byte[] {3};
    byte[] quote = sim.quote(runtime, false);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + quote.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(1).putInt(2).putLong(quote.length).put(quote);
    String body = "{\"report\":\"" + b64u(b.array()) + "\",\"runtimeData\":{\"data\":\"" + b64u(runtime) + "\",\"dataType\":\"Binary\"}}";
    verifyFromDiscovery(token(post("/attest/OpenEnclave?api-version=2022-08-01", body)));
    b.putInt(0, 9);
    HttpResponse<String> bad = post("/attest/OpenEnclave", "{\"report\":\"" + b64u(b.array()) + "\"}");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("version"));
  }

  @Test
  void routes_unknownPathMethodAndVersion_haveMaaErrorBodies() throws Exception {
    assertEquals(404, send("GET", "/nope", null, null).statusCode());
    assertEquals(405, send("GET", "/attest/SgxEnclave", null, null).statusCode());
    assertEquals(404, post("/attest/TpmThing", "{}").statusCode());
    HttpResponse<String> v = post("/attest/SgxEnclave?api-version=1999-01-01", "{}");
    assertEquals(400, v.statusCode());
    assertEquals("UnsupportedApiVersion", Json.parseObject(v.body()).object("error").string("code"));
    assertEquals(200, send("GET", "/healthz", null, null).statusCode());
    assertTrue(send("GET", "/metrics", null, null).body().contains("kubesgx_attestation_requests_total"));
  }

  @Test
  void attest_oversizedBody_is413() throws Exception {
    String big = "{\"quote\":\"" + "A".repeat(2 << 20) + "\"}";
    assertEquals(413, post("/attest/SgxEnclave", big).statusCode());
  }

  @Test
  void policies_putGetReset_roundTripWithAdminTokenAndPolicyResultTokens() throws Exception {
    String text = "version=1.0; authorizationrules { [type==\"x-ms-sgx-product-id\", value==99] => permit(); }; issuancerules { };";
    String jws = io.kubesgx.attestation.policy.PolicyDocument.unsignedJws(text);
    assertEquals(401, send("PUT", "/policies/SgxEnclave?api-version=2022-08-01", jws, "wrong").statusCode());
    HttpResponse<String> put = send("PUT", "/policies/SgxEnclave?api-version=2022-08-01", jws, ADMIN);
    JWTClaimsSet pr = verifyFromDiscovery(token(put));
    assertEquals("Updated", pr.getStringClaim("x-ms-policy-result"));
    JWTClaimsSet got = verifyFromDiscovery(token(send("GET", "/policies/SgxEnclave", null, null)));
    assertEquals(jws, got.getStringClaim("x-ms-policy"));
    byte[] runtime = new byte[] {4};
    // product 7 is not permitted by the stored policy
    HttpResponse<String> denied = post("/attest/SgxEnclave", attestBody(sim.quote(runtime, false), runtime, "Binary", null));
    assertEquals(400, denied.statusCode(), denied.body());
    JWTClaimsSet reset = verifyFromDiscovery(token(send("POST", "/policies/SgxEnclave:reset", "", ADMIN)));
    assertEquals("Removed", reset.getStringClaim("x-ms-policy-result"));
    assertEquals(200, post("/attest/SgxEnclave", attestBody(sim.quote(runtime, false), runtime, "Binary", null)).statusCode());
    HttpResponse<String> badPolicy = send("PUT", "/policies/SgxEnclave", "version=1.0; authorizationrules { => ; };", ADMIN);
    assertEquals(400, badPolicy.statusCode());
    assertTrue(badPolicy.body().contains("line 1"), badPolicy.body());
  }

  @Test
  void attest_outOfDatePlatform_deniedByDefaultAndPermittedWithinGracePeriod() throws Exception {
    Path d = Files.createTempDirectory("attest-ood");
    SimQuotes ood = new SimQuotes(d.resolve("p"), Clock.systemUTC());
    ood.platform().withScenario(Scenario.OUT_OF_DATE);
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, d.resolve("state")).withSim(d.resolve("p")), Clock.systemUTC())) {
      byte[] runtime = new byte[] {5};
      String body = attestBody(ood.quote(runtime, false), runtime, "Binary", null);
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, r.statusCode());
      assertTrue(r.body().contains("OutOfDate"), r.body());
      String grace = "version=1.1; configurationrules { => issueproperty(type=\\\"x-kubesgx-tcb-grace-period-days\\\", value=36500); };"
          + " authorizationrules { [type==\\\"x-kubesgx-tcb-acceptable\\\", value==true] => permit(); }; issuancerules { };";
      String draft = attestBody(ood.quote(runtime, false), runtime, "Binary", "\"draftPolicyForAttestation\":\"" + grace + "\"");
      HttpResponse<String> g = HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
          .POST(HttpRequest.BodyPublishers.ofString(draft)).build(), HttpResponse.BodyHandlers.ofString());
      JWTClaimsSet c = JWTParser.parse(token(g)).getJWTClaimsSet();
      assertEquals("OutOfDate", c.getStringClaim("x-kubesgx-tcb-status"));
      assertEquals(true, c.getBooleanClaim("x-kubesgx-tcb-acceptable"));
      assertTrue(c.getLongClaim("x-kubesgx-tcb-grace-deadline") > 0);
      assertFalse(((List<?>) c.getClaim("x-kubesgx-advisory-ids")).isEmpty());
    }
  }

  @Test
  void certs_publishesSigningKeyWithX5c() throws Exception {
    JsonObject jwks = Json.parseObject(send("GET", "/certs", null, null).body());
    JsonObject k = (JsonObject) jwks.array("keys").get(0);
    assertEquals("RSA", k.string("kty"));
    assertNotEquals(0, k.array("x5c").size());
  }
}
