package io.kubesgx.quotehelper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} exposes the documented families with their types, in the format asked for. */
class MetricsEndpointTest {
  /** The families of docs/quote-helper.md, "Metrics and health", with their Prometheus types. */
  private static final Map<String, String> DOCUMENTED = new LinkedHashMap<>();

  static {
    DOCUMENTED.put("kubesgx_quote_helper_requests_total", "counter");
    DOCUMENTED.put("kubesgx_quote_helper_request_duration_seconds", "histogram");
    DOCUMENTED.put("kubesgx_quote_helper_in_flight", "gauge");
    DOCUMENTED.put("kubesgx_quote_helper_connections_total", "counter");
    DOCUMENTED.put("kubesgx_quote_helper_rejected_total", "counter");
    DOCUMENTED.put("kubesgx_quote_helper_backend_events_total", "counter");
  }

  private static final Pattern TYPE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

  /** Closes every connection unanswered and reports one backend event. */
  private static final class ClosingBackend implements Backend {
    @Override
    public Optional<Response> handle(AesmRequest request) {
      return Optional.empty();
    }

    @Override
    public String name() {
      return "stub";
    }

    @Override
    public Map<String, Long> counters() {
      return Map.of("upstream_unavailable", 3L);
    }
  }

  @Test
  void metrics_afterOneRequest_documentedNamesWithTypesInTextFormat(@TempDir Path dir) throws Exception {
    try (QuoteHelperServer server = QuoteHelperServer.newBuilder(dir.resolve("aesm.socket"), new ClosingBackend())
            .build().start();
        MetricsHttpServer http = MetricsHttpServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), server)) {
      byte[] req = Request.newBuilder()
          .setGetSupportedAttKeyIDNumReq(Request.GetSupportedAttKeyIDNumRequest.newBuilder()).build().toByteArray();
      assertEquals(Optional.empty(), SimFixture.raw(dir.resolve("aesm.socket"), AesmFraming.encode(req), false));
      waitForNoConnectionInFlight(server);

      HttpResponse<String> r = get(http, null);
      assertEquals(200, r.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      String m = r.body();
      assertEquals(DOCUMENTED, types(m), m);
      assertTrue(m.contains(
          "kubesgx_quote_helper_requests_total{result=\"closed\",type=\"get_supported_att_key_id_num\"} 1.0\n"), m);
      assertTrue(m.contains("kubesgx_quote_helper_request_duration_seconds_bucket{le=\"5.0E-4\"} "), m); // 0 or 1: timing
      assertTrue(m.contains("kubesgx_quote_helper_request_duration_seconds_bucket{le=\"10.0\"} 1\n"), m);
      assertTrue(m.contains("kubesgx_quote_helper_request_duration_seconds_count 1\n"), m);
      assertTrue(m.contains("kubesgx_quote_helper_connections_total 1.0\n"), m);
      assertTrue(m.contains("kubesgx_quote_helper_in_flight 0.0\n"), m);
      assertTrue(m.contains("kubesgx_quote_helper_rejected_total 0.0\n"), m);
      assertTrue(m.contains(
          "kubesgx_quote_helper_backend_events_total{backend=\"stub\",event=\"upstream_unavailable\"} 3.0\n"), m);
      assertEquals(1, server.metrics().requests(RequestType.GET_SUPPORTED_ATT_KEY_ID_NUM, "closed"));
    }
  }

  @Test
  void metrics_openMetricsAccepted_openMetricsWithSameSampleNames(@TempDir Path dir) throws Exception {
    try (QuoteHelperServer server = QuoteHelperServer.newBuilder(dir.resolve("aesm.socket"), new ClosingBackend())
            .build().start();
        MetricsHttpServer http = MetricsHttpServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), server)) {
      HttpResponse<String> r = get(http, "application/openmetrics-text;version=1.0.0,text/plain;q=0.5");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
      assertTrue(r.body().endsWith("# EOF\n"), r.body());
      assertTrue(r.body().contains("# TYPE kubesgx_quote_helper_connections counter\n"), r.body());
      assertTrue(r.body().contains("kubesgx_quote_helper_connections_total 0.0\n"), r.body());
    }
  }

  @Test
  void metrics_protobufAsked_fallsBackToText(@TempDir Path dir) throws Exception {
    try (QuoteHelperServer server = QuoteHelperServer.newBuilder(dir.resolve("aesm.socket"), new ClosingBackend())
            .build().start();
        MetricsHttpServer http = MetricsHttpServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), server)) {
      HttpResponse<String> r = get(http,
          "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
      assertEquals(200, r.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      assertEquals("counter", types(r.body()).get("kubesgx_quote_helper_rejected_total"), r.body());
    }
  }

  @Test
  void requests_neverSeen_zeroWithoutCreatingASeries() {
    Metrics m = new Metrics();
    assertEquals(0, m.requests(RequestType.MALFORMED, "closed"));
    assertTrue(!m.render(new ClosingBackend()).contains("type=\"malformed\""));
  }

  private static void waitForNoConnectionInFlight(QuoteHelperServer server) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (server.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
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

  private static HttpResponse<String> get(MetricsHttpServer http, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics"));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
