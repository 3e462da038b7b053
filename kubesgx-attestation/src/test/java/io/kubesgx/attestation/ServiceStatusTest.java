package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /status}: the signing key's age and the collateral's freshness, as documented. */
class ServiceStatusTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void status_afterTwoHoursAndOneAttestation_keyAgeAndCollateralOfThePlatform(@TempDir Path dir) throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), clock);
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), clock)) {
      JsonValue.JsonObject before = Json.parseObject(get(s, "/status").body());
      assertEquals(1, before.integer("schemaVersion"));
      assertEquals(List.of(), before.array("collateral"), "nothing cached before the first attestation");
      String kid = before.object("signingKey").string("kid");
      JsonValue.JsonObject jwks = Json.parseObject(get(s, "/certs").body());
      assertEquals(kid, ((JsonValue.JsonObject) jwks.array("keys").get(0)).string("kid"));

      clock.advance(Duration.ofHours(2));
      byte[] runtime = {7};
      String body = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(sim.quote(runtime, false))
          + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime)
          + "\",\"dataType\":\"Binary\"}}";
      HttpResponse<String> attest = HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, attest.statusCode(), attest.body());

      HttpResponse<String> r = get(s, "/status");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      JsonValue.JsonObject st = Json.parseObject(r.body());
      JsonValue.JsonObject key = st.object("signingKey");
      assertEquals(kid, key.string("kid"));
      assertEquals(7200, key.integer("ageSeconds"));
      assertEquals(clock.instant().toString(), st.string("now"));
      List<JsonValue> sets = st.array("collateral");
      assertEquals(1, sets.size(), r.body());
      JsonValue.JsonObject set = (JsonValue.JsonObject) sets.get(0);
      assertEquals(sim.platform().config().fmspc().hex().toUpperCase(java.util.Locale.ROOT), set.string("fmspc"));
      assertEquals("sgx", set.string("tee"));
      assertTrue(Instant.parse(set.string("nextUpdate")).isAfter(clock.instant()), r.body());
      assertEquals(new JsonValue.JsonBool(false), set.get("stale"));
      assertEquals(new JsonValue.JsonBool(false), set.get("expired"));
      assertFalse(r.body().contains("PRIVATE"), "no key material");
    }
  }

  @Test
  void status_post_methodNotAllowed(@TempDir Path dir) throws Exception {
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), java.time.Clock.systemUTC())) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/status"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(405, r.statusCode(), r.body());
    }
  }

  private static HttpResponse<String> get(AttestationServer s, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
