package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.http.RateLimits;
import io.kubesgx.keybroker.http.RateLimits.Rate;
import io.kubesgx.keybroker.http.ServerLimits;
import io.kubesgx.keybroker.tenant.AdminToken;
import io.kubesgx.keybroker.tenant.TenantConfig;
import io.kubesgx.keybroker.tenant.Tenants;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-caller rate limits over HTTP: a caller over its bucket gets 429 with {@code Retry-After} and
 * the Key Vault error shape, other callers are unaffected, releases have their own bucket, callers
 * without a valid token are limited per address, and the refusals are counted in {@code /metrics}.
 * The buckets refill at one token per 1,000 s, so no test depends on timing.
 */
class RateLimitTest {
  private static final String ADMIN = "default-admin-token-0123456789abcdef-xyz";
  private static final String ADMIN_A = "team-a-admin-token-0123456789abcdef-xyz";
  private static final String ISSUER = "https://attest.example";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static KeyBrokerServer start(Path dir, RateLimits limits) throws Exception {
    Tenants tenants = Tenants.of(List.of(new TenantConfig("team-a", List.of(AdminToken.of("admin:a", ADMIN_A)), List.of(ISSUER),
        List.of())), false);
    return KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir, ADMIN, List.of(ISSUER))
        .withLimits(ServerLimits.defaults().withRateLimits(limits)).withTenants(tenants), Clock.systemUTC());
  }

  private static HttpResponse<String> send(KeyBrokerServer b, String method, String path, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(b.baseUrl() + path + "?api-version=7.5"))
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{\"target\":\"x\"}")
            : HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertThrottled(HttpResponse<String> r) throws Exception {
    assertEquals(429, r.statusCode(), r.body());
    assertEquals("Throttled", Json.parseObject(r.body()).object("error").string("code"));
    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1, "Retry-After " + retryAfter);
  }

  @Test
  void requests_overCallersBucket_429WithRetryAfterOthersUnaffected(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, new RateLimits(new Rate(0.001, 2), new Rate(0.001, 10), new Rate(0.001, 10), 100))) {
      assertEquals(404, send(b, "GET", "/keys/k", ADMIN).statusCode());
      assertEquals(404, send(b, "GET", "/keys/k", ADMIN).statusCode());
      HttpResponse<String> third = send(b, "GET", "/keys/k", ADMIN);
      assertThrottled(third);
      assertTrue(Json.parseObject(third.body()).object("error").string("message").contains("too many requests"), third.body());
      // Another caller (team-a's admin) still has its own full bucket.
      assertEquals(404, send(b, "GET", "/t/team-a/keys/k", ADMIN_A).statusCode());
      assertEquals(404, send(b, "GET", "/t/team-a/keys/k", ADMIN_A).statusCode());
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(metrics.contains("kubesgx_keybroker_rate_limited_total{scope=\"requests\"} 1.0"), metrics);
    }
  }

  @Test
  void releases_overReleaseBucket_429WhileOtherRequestsPass(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, new RateLimits(new Rate(0.001, 10), new Rate(0.001, 1), new Rate(0.001, 10), 100))) {
      assertEquals(404, send(b, "POST", "/keys/k/release", ADMIN).statusCode());
      HttpResponse<String> second = send(b, "POST", "/keys/k/dry-run", ADMIN);
      assertThrottled(second);
      assertTrue(Json.parseObject(second.body()).object("error").string("message").contains("too many releases"), second.body());
      assertEquals(404, send(b, "GET", "/keys/k", ADMIN).statusCode(), "other requests have their own bucket");
      assertEquals(404, send(b, "POST", "/t/team-a/keys/k/release", ADMIN_A).statusCode(), "another caller");
    }
  }

  @Test
  void anonymous_overAddressBucket_429InsteadOfChallenge(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, new RateLimits(new Rate(0.001, 10), new Rate(0.001, 10), new Rate(0.001, 2), 100))) {
      assertEquals(401, send(b, "GET", "/keys/k", null).statusCode());
      assertEquals(401, send(b, "GET", "/keys/k", "wrong-token").statusCode());
      assertThrottled(send(b, "GET", "/keys/k", "another-wrong-token"));
      assertEquals(404, send(b, "GET", "/keys/k", ADMIN).statusCode(), "a valid caller from the same address is unaffected");
    }
  }
}
