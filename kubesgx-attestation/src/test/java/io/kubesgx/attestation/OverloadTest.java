package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under overload the service sheds load with 429 (and Retry-After) and never answers 500. */
class OverloadTest {
  @Test
  void attest_burstBeyondQueue_someRefusedWith429NoneFailWith500(@TempDir Path dir) throws Exception {
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")).withCapacity(1, 4), Clock.systemUTC())) {
      byte[] runtime = new byte[] {1};
      String body = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(sim.quote(runtime, false))
          + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime) + "\",\"dataType\":\"Binary\"}}";
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/attest/SgxEnclave"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      for (CompletableFuture<HttpResponse<String>> f : all) {
        HttpResponse<String> r = f.get();
        statuses.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 429) {
          assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
          assertTrue(r.body().contains("TooManyRequests"), r.body());
        }
      }
      assertTrue(statuses.getOrDefault(429, 0) > 0, "some requests were shed: " + statuses);
      assertTrue(statuses.getOrDefault(200, 0) > 0, "the service kept working: " + statuses);
      assertEquals(300, statuses.getOrDefault(200, 0) + statuses.getOrDefault(429, 0) + statuses.getOrDefault(503, 0),
          "only 200, 429 and 503 under overload: " + statuses);
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(metrics.contains("kubesgx_attestation_rejected_total " + statuses.get(429)), metrics);
    }
  }
}
