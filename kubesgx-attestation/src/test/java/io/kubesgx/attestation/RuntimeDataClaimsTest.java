package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JSON runtime data reaches {@code x-ms-runtime} exactly as the enclave bound it, and odd JSON is never a 500. */
class RuntimeDataClaimsTest {
  static Path dir;
  static SimQuotes sim;
  static AttestationServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("attest-runtime");
    sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    server = AttestationServer.start(ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String b64u(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static HttpResponse<String> attest(String runtimeJson, String extra) throws Exception {
    byte[] runtime = runtimeJson.getBytes(StandardCharsets.UTF_8);
    String body = "{\"quote\":\"" + b64u(sim.quote(runtime, false)) + "\",\"runtimeData\":{\"data\":\"" + b64u(runtime)
        + "\",\"dataType\":\"JSON\"}" + (extra == null ? "" : "," + extra) + "}";
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/attest/SgxEnclave"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The token's payload as the JSON text that was signed. */
  static String payload(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    String jwt = Json.parseObject(r.body()).string("token");
    return new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
  }

  @Test
  void attest_numbersBeyondDoubleAndLong_passThroughExactly() throws Exception {
    String runtime = "{\"big\":123456789012345678901234567890,\"dec\":0.1000000000000000000000000000001,"
        + "\"huge\":1e999999,\"neg\":-1e400,\"tiny\":1E-999999,\"max\":9223372036854775808,\"z\":-0.0}";
    String p = payload(attest(runtime, null));
    assertTrue(p.contains("\"x-ms-runtime\":" + runtime), p);
  }

  @Test
  void attest_maxRuntimeDepthNested_passesThroughAndDeeperIs400() throws Exception {
    int max = io.kubesgx.attestation.claims.ClaimNames.MAX_RUNTIME_DEPTH;
    assertEquals(Json.MAX_DEPTH - 1, max);
    String top = "[".repeat(max) + "1" + "]".repeat(max);
    String p = payload(attest(top, null));
    assertTrue(p.contains("\"x-ms-runtime\":" + top));
    assertEquals(Json.MAX_DEPTH, Json.depth(Json.parse(p)), "the token stays readable by the same strict parser");
    String objects = "{\"a\":".repeat(max) + "1" + "}".repeat(max);
    assertTrue(payload(attest(objects, null)).contains("\"x-ms-runtime\":" + objects));

    for (String deeper : new String[] {"[" + top + "]", "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH)}) {
      HttpResponse<String> r = attest(deeper, null);
      assertEquals(400, r.statusCode(), r.body());
      JsonObject err = Json.parseObject(r.body()).object("error");
      assertEquals("InvalidRequest", err.string("code"));
      assertTrue(err.string("message").contains("nested"), err.string("message"));
      assertFalse(err.string("message").contains("Exception"), err.string("message"));
    }
  }

  @Test
  void attest_policyIssuingTooDeepValue_is400NotServerError() throws Exception {
    int max = io.kubesgx.attestation.claims.ClaimNames.MAX_RUNTIME_DEPTH;
    String top = "[".repeat(max) + "1" + "]".repeat(max);
    String policy = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-runtime\\\"]"
        + " => issue(type=\\\"deep\\\", value=JsonToClaimValue(JmesPath(c.value, \\\"[@]\\\"))); };";
    HttpResponse<String> r = attest(top, "\"draftPolicyForAttestation\":\"" + policy + "\"");
    assertTrue(r.statusCode() == 200 || r.statusCode() == 400, r.statusCode() + " " + r.body());
    assertFalse(r.body().contains("Exception"), r.body());
  }

  @Test
  void attest_jmesPathPolicyOverHugeNumbers_neverServerError() throws Exception {
    String runtime = "{\"huge\":1e999999,\"neg\":-1e400,\"big\":123456789012345678901234567890,\"n\":[1e999999,2]}";
    String[] queries = {"huge", "neg", "big", "max(n)", "sort(n)", "n[?@ > `1`]", "huge == `1e999999`", "to_string(huge)",
        "abs(neg)", "sum(n)", "avg(n)", "ceil(huge)", "floor(neg)", "min_by([{\"v\": huge}], &v)"};
    for (String q : queries) {
      String policy = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-runtime\\\"]"
          + " => issue(type=\\\"raw\\\", value=JmesPath(c.value, \\\"" + q.replace("\"", "\\\\\\\"") + "\\\")); };";
      HttpResponse<String> r = attest(runtime, "\"draftPolicyForAttestation\":\"" + policy + "\"");
      assertTrue(r.statusCode() == 200 || r.statusCode() == 400, q + " -> " + r.statusCode() + " " + r.body());
      assertFalse(r.body().contains("Exception"), q + " -> " + r.body());
      String toClaim = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-runtime\\\"]"
          + " => issue(type=\\\"v\\\", value=JsonToClaimValue(JmesPath(c.value, \\\"" + q.replace("\"", "\\\\\\\"") + "\\\"))); };";
      HttpResponse<String> r2 = attest(runtime, "\"draftPolicyForAttestation\":\"" + toClaim + "\"");
      assertTrue(r2.statusCode() == 200 || r2.statusCode() == 400, q + " -> " + r2.statusCode() + " " + r2.body());
      assertFalse(r2.body().contains("Exception"), q + " -> " + r2.body());
    }
    String exact = "version=1.2; authorizationrules { => permit(); }; issuancerules { c:[type==\\\"x-ms-runtime\\\"]"
        + " => issue(type=\\\"raw\\\", value=JmesPath(c.value, \\\"big\\\")); };";
    String p = payload(attest(runtime, "\"draftPolicyForAttestation\":\"" + exact + "\""));
    assertTrue(p.contains("\"raw\":\"123456789012345678901234567890\""), "JmesPath() yields the JSON text, exactly: " + p);
  }
}
