package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} exposes the documented families with their types, in the format asked for. */
class MetricsEndpointTest {
  /** The families of docs/attestation.md, "Metrics", with their Prometheus types. */
  private static final Map<String, String> DOCUMENTED = new LinkedHashMap<>();

  static {
    DOCUMENTED.put("kubesgx_attestation_requests_total", "counter");
    DOCUMENTED.put("kubesgx_attestation_errors_total", "counter");
    DOCUMENTED.put("kubesgx_attestation_tokens_total", "counter");
    DOCUMENTED.put("kubesgx_attestation_request_seconds", "histogram");
    DOCUMENTED.put("kubesgx_attestation_rejected_total", "counter");
    DOCUMENTED.put("kubesgx_attestation_queue_depth", "gauge");
    DOCUMENTED.put("kubesgx_attestation_in_flight", "gauge");
    DOCUMENTED.put("kubesgx_attestation_open_connections", "gauge");
    DOCUMENTED.put("kubesgx_attestation_body_buffered_bytes", "gauge");
    DOCUMENTED.put("kubesgx_attestation_collateral_next_update_seconds", "gauge");
    DOCUMENTED.put("kubesgx_attestation_signing_key_created_seconds", "gauge");
    // kubesgx_attestation_http_refused_total appears with its first refusal (a labelled counter)
  }

  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

  @Test
  void metrics_afterTokenAndError_documentedNamesWithTypesInTextFormat(@TempDir Path dir) throws Exception {
    SimQuotes sim = new SimQuotes(dir.resolve("platform"), Clock.systemUTC());
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC())) {
      byte[] runtime = new byte[] {1};
      String body = "{\"quote\":\"" + Base64.getUrlEncoder().encodeToString(sim.quote(runtime, false))
          + "\",\"runtimeData\":{\"data\":\"" + Base64.getUrlEncoder().encodeToString(runtime)
          + "\",\"dataType\":\"Binary\"}}";
      assertEquals(200, post(s, "/attest/SgxEnclave", body).statusCode());
      assertEquals(400, post(s, "/attest/SgxEnclave", "{}").statusCode());

      HttpResponse<String> r = get(s, null);
      assertEquals(200, r.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      assertEquals(DOCUMENTED, types(r.body()), r.body());
      assertTrue(r.body().contains("kubesgx_attestation_requests_total{route=\"attest\",status=\"200\"} 1.0\n"),
          r.body());
      assertTrue(r.body().contains("kubesgx_attestation_tokens_total{simulated=\"true\",tcb_status=\""), r.body());
      assertTrue(r.body().contains("kubesgx_attestation_request_seconds_bucket{route=\"attest\",le=\"2.5\"} 2\n"),
          r.body());
      assertTrue(r.body().contains("kubesgx_attestation_request_seconds_bucket{route=\"attest\",le=\"+Inf\"} 2\n"),
          r.body());
      assertTrue(r.body().contains("kubesgx_attestation_request_seconds_count{route=\"attest\"} 2\n"), r.body());
      assertTrue(r.body().contains("kubesgx_attestation_rejected_total 0.0\n"), r.body());

      // The freshness gauges carry the dates GET /status shows.
      JsonValue.JsonObject status = Json.parseObject(get(s, "/status", null).body());
      JsonValue.JsonObject set = (JsonValue.JsonObject) status.array("collateral").get(0);
      Matcher next = Pattern.compile("(?m)^kubesgx_attestation_collateral_next_update_seconds\\{ca=\"processor\","
          + "fmspc=\"" + set.string("fmspc") + "\",source=\"" + set.string("source")
          + "\",tee=\"sgx\",update=\"standard\"} (\\S+)$").matcher(r.body());
      assertTrue(next.find(), r.body());
      assertEquals(Instant.parse(set.string("nextUpdate")).toEpochMilli() / 1000.0, Double.parseDouble(next.group(1)),
          0.001);
      Matcher created = Pattern.compile("(?m)^kubesgx_attestation_signing_key_created_seconds (\\S+)$")
          .matcher(r.body());
      assertTrue(created.find(), r.body());
      assertEquals(Instant.parse(status.object("signingKey").string("createdAt")).toEpochMilli() / 1000.0,
          Double.parseDouble(created.group(1)), 0.001);
    }
  }

  @Test
  void metrics_openMetricsAccepted_openMetricsWithSameSampleNames(@TempDir Path dir) throws Exception {
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC())) {
      assertEquals(404, get(s, "/nowhere", null).statusCode());
      HttpResponse<String> r = get(s, "application/openmetrics-text; version=1.0.0; charset=utf-8,*/*;q=0.1");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
      assertTrue(r.body().endsWith("# EOF\n"), r.body());
      // OpenMetrics names the counter family without _total; its samples keep the documented name.
      assertTrue(r.body().contains("# TYPE kubesgx_attestation_requests counter\n"), r.body());
      assertTrue(r.body().contains("kubesgx_attestation_requests_total{route=\"other\",status=\"404\"} 1.0\n"),
          r.body());
    }
  }

  @Test
  void metrics_protobufAsked_fallsBackToTextNot500(@TempDir Path dir) throws Exception {
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC())) {
      HttpResponse<String> r = get(s, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
          + "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3");
      assertEquals(200, r.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      assertFalse(types(r.body()).isEmpty(), r.body());
    }
  }

  private static Map<String, String> types(String exposition) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = TYPE.matcher(exposition);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  private static HttpResponse<String> post(AttestationServer s, String path, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(AttestationServer s, String accept) throws Exception {
    return get(s, "/metrics", accept);
  }

  private static HttpResponse<String> get(AttestationServer s, String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUrl() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
