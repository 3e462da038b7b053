package io.kubesgx.webhook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.certs.ServingCertificates;
import io.kubesgx.webhook.pod.AdmissionReviews;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import io.kubesgx.webhook.rules.PodRules;
import io.kubesgx.webhook.rules.RulesConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The HTTPS server: the AdmissionReview contract, health endpoints, and its limits. */
class WebhookServerTest {
  static final String SGX_POD = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
      + "\"request\":{\"uid\":\"u-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
      + "\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":{\"apiVersion\":\"v1\","
      + "\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
      + "\"image\":\"x\",\"resources\":{\"limits\":{\"sgx.intel.com/epc\":\"10Mi\"}}}]}}}}";
  static final String PLAIN_POD = SGX_POD.replace("sgx.intel.com/epc", "memory");

  private static ServingCertificates certs;
  private static SSLContext ssl;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void pki() throws Exception {
    certs = ServingCertificates.create("kubesgx-webhook", "kubesgx", Clock.systemUTC());
    ssl = TlsClients.trusting(certs);
  }

  @AfterEach
  void cleanup() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private WebhookServer start(ServerLimits limits, NodeEpcCapacity capacity) throws Exception {
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler h = new AdmissionHandler(
        new PodRules(new RulesConfig(EpcResource.INTEL, capacity)), metrics);
    WebhookServer s = WebhookServer.start(0, new WebhookServer.TlsMaterial(
        certs.certPem().getBytes(StandardCharsets.US_ASCII),
        certs.keyPem().getBytes(StandardCharsets.US_ASCII)), h, metrics, limits);
    closeables.add(s);
    return s;
  }

  private HttpClient client() {
    HttpClient c = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return c;
  }

  private static URI uri(WebhookServer s, String path) {
    // The certificate names the Service; connect to loopback and check that name.
    return URI.create("https://localhost:" + s.port() + path);
  }

  private HttpResponse<String> post(WebhookServer s, String path, String body) throws Exception {
    return client().send(HttpRequest.newBuilder(uri(s, path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static {
    // The serving certificate names the Service, not localhost: tests check the chain only.
    System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
  }

  @Test
  void mutate_sgxPod_returnsBase64JsonPatchWithUidEchoed() throws Exception {
    WebhookServer s = start(ServerLimits.defaults(), NodeEpcCapacity.fixed(1L << 30));
    HttpResponse<String> r = post(s, "/mutate", SGX_POD);
    assertEquals(200, r.statusCode());
    JsonNode resp = AdmissionReviews.mapper().readTree(r.body()).get("response");
    assertEquals("u-1", resp.get("uid").stringValue());
    assertTrue(resp.get("allowed").booleanValue());
    assertEquals("JSONPatch", resp.get("patchType").stringValue());
    JsonNode patch = AdmissionReviews.mapper().readTree(
        Base64.getDecoder().decode(resp.get("patch").stringValue()));
    assertTrue(patch.isArray() && patch.size() > 0);
    assertTrue(patch.toString().contains("sgx.intel.com~1enclave"));
  }

  @Test
  void mutate_plainPod_allowsWithoutPatch() throws Exception {
    WebhookServer s = start(ServerLimits.defaults(), NodeEpcCapacity.fixed(1L << 30));
    JsonNode resp = AdmissionReviews.mapper().readTree(post(s, "/mutate", PLAIN_POD).body())
        .get("response");
    assertTrue(resp.get("allowed").booleanValue());
    assertNull(resp.get("patch"));
    assertNull(resp.get("patchType"));
  }

  @Test
  void validate_skippedSizeCheck_saysSoInWarnings() throws Exception {
    WebhookServer s = start(ServerLimits.defaults(), NodeEpcCapacity.skipped("--no-kube-api"));
    String mutated = SGX_POD.replace("\"sgx.intel.com/epc\":\"10Mi\"",
        "\"sgx.intel.com/epc\":\"10Mi\",\"sgx.intel.com/enclave\":\"1\"");
    JsonNode resp = AdmissionReviews.mapper().readTree(post(s, "/validate", mutated).body())
        .get("response");
    assertTrue(resp.get("allowed").booleanValue());
    assertTrue(resp.get("warnings").toString().contains("--no-kube-api"), resp.toString());
  }

  @Test
  void post_malformedBody_returns400() throws Exception {
    WebhookServer s = start(ServerLimits.defaults(), NodeEpcCapacity.fixed(1L << 30));
    assertEquals(400, post(s, "/mutate", "{not json").statusCode());
    assertEquals(405, client().send(HttpRequest.newBuilder(uri(s, "/mutate")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void get_healthReadyMetrics_answer() throws Exception {
    WebhookServer s = start(ServerLimits.defaults(), NodeEpcCapacity.fixed(1L << 30));
    post(s, "/mutate", SGX_POD);
    HttpClient c = client();
    assertEquals(200, c.send(HttpRequest.newBuilder(uri(s, "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, c.send(HttpRequest.newBuilder(uri(s, "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    String m = c.send(HttpRequest.newBuilder(uri(s, "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(m.contains("kubesgx_webhook_reviews_total{endpoint=\"/mutate\",outcome=\"mutated\"} 1"),
        m);
    assertTrue(m.contains("kubesgx_webhook_decision_seconds"), m);
  }

  @Test
  void post_bodyOverCap_returns413() throws Exception {
    ServerLimits small = new ServerLimits(16, Duration.ofSeconds(10), 1024, 16 * 1024, 1, 4);
    WebhookServer s = start(small, NodeEpcCapacity.fixed(1L << 30));
    HttpResponse<String> r = post(s, "/mutate", "x".repeat(4096));
    assertEquals(413, r.statusCode());
  }

  @Test
  void slowClient_pastAbsoluteDeadline_connectionClosed() throws Exception {
    ServerLimits quick = new ServerLimits(16, Duration.ofMillis(500), 1 << 20, 16 * 1024, 1, 4);
    WebhookServer s = start(quick, NodeEpcCapacity.fixed(1L << 30));
    try (SSLSocket sock = (SSLSocket) ssl.getSocketFactory().createSocket("localhost", s.port())) {
      sock.startHandshake();
      OutputStream out = sock.getOutputStream();
      out.write(("POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Keep trickling bytes (an idle timer would be reset by these); the absolute deadline
      // still closes the connection.
      sock.setSoTimeout(200);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean closed = false;
      InputStream in = sock.getInputStream();
      while (System.nanoTime() < until && !closed) {
        try {
          out.write(' ');
          out.flush();
          closed = in.read() == -1;
        } catch (java.net.SocketTimeoutException e) {
          // still open
        } catch (IOException e) {
          closed = true;
        }
      }
      assertTrue(closed, "the server closes a connection that does not finish its request");
    }
  }

  @Test
  void connections_overCap_areClosed() throws Exception {
    ServerLimits one = new ServerLimits(1, Duration.ofSeconds(10), 1 << 20, 16 * 1024, 1, 4);
    WebhookServer s = start(one, NodeEpcCapacity.fixed(1L << 30));
    try (SSLSocket first = (SSLSocket) ssl.getSocketFactory().createSocket("localhost", s.port());
         SSLSocket second = (SSLSocket) ssl.getSocketFactory().createSocket("localhost",
             s.port())) {
      first.startHandshake();
      first.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      first.getOutputStream().flush();
      first.setSoTimeout(5000);
      assertTrue(first.getInputStream().read() > 0);
      second.setSoTimeout(5000);
      int got;
      try {
        second.startHandshake();
        second.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        second.getOutputStream().flush();
        got = second.getInputStream().read();
      } catch (IOException e) {
        got = -1;
      }
      assertEquals(-1, got, "the connection over the cap gets no answer");
    }
  }

  @Test
  void mutate_workersAndQueueFull_returns503() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    NodeEpcCapacity blocking = () -> {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new NodeEpcCapacity.Largest(OptionalLong.of(1L << 30), Optional.empty());
    };
    ServerLimits tiny = new ServerLimits(16, Duration.ofSeconds(60), 1 << 20, 16 * 1024, 1, 1);
    WebhookServer s = start(tiny, blocking);
    HttpClient c = client();
    HttpRequest req = HttpRequest.newBuilder(uri(s, "/mutate"))
        .POST(HttpRequest.BodyPublishers.ofString(SGX_POD)).build();
    CompletableFuture<HttpResponse<String>> running =
        c.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    // One worker busy, one queue slot: of the requests sent now exactly one can wait in the queue
    // (whichever arrives first) and every other one is refused at once. A request that does not
    // answer quickly is the queued one; it is collected and checked after the release.
    java.util.List<CompletableFuture<HttpResponse<String>>> sent = new java.util.ArrayList<>();
    sent.add(c.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
    int refusedAtOnce = 0;
    for (int i = 0; i < 5 && refusedAtOnce == 0; i++) {
      CompletableFuture<HttpResponse<String>> f =
          client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
      sent.add(f);
      try {
        if (f.get(2, TimeUnit.SECONDS).statusCode() == 503) {
          refusedAtOnce++;
        }
      } catch (java.util.concurrent.TimeoutException e) {
        // queued behind the busy worker
      }
    }
    release.countDown();
    assertEquals(200, running.get(20, TimeUnit.SECONDS).statusCode());
    int ok = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
      if (r.statusCode() == 503) {
        refused++;
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
      } else {
        assertEquals(200, r.statusCode());
        ok++;
      }
    }
    assertEquals(1, ok, "exactly one request fits the queue");
    assertEquals(sent.size() - 1, refused);
    assertEquals(1, refusedAtOnce);
  }

  @Test
  void start_badKey_throwsBadTlsMaterial() {
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler h = new AdmissionHandler(new PodRules(new RulesConfig(EpcResource.INTEL,
        NodeEpcCapacity.fixed(1))), metrics);
    io.kubesgx.webhook.WebhookException e = assertThrows(io.kubesgx.webhook.WebhookException.class,
        () -> WebhookServer.start(0, new WebhookServer.TlsMaterial(
            certs.certPem().getBytes(StandardCharsets.US_ASCII),
            "not a key".getBytes(StandardCharsets.US_ASCII)), h, metrics,
            ServerLimits.defaults()));
    assertEquals(io.kubesgx.webhook.WebhookException.Reason.BAD_TLS_MATERIAL, e.reason());
    assertNotNull(e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void mutate_decisionPastRequestDeadline_returns503RetryAfter() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    NodeEpcCapacity blocking = () -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new NodeEpcCapacity.Largest(OptionalLong.of(1L << 30), Optional.empty());
    };
    ServerLimits quick = new ServerLimits(16, Duration.ofMillis(500), 1 << 20, 16 * 1024, 1, 4);
    WebhookServer s = start(quick, blocking);
    try {
      HttpResponse<String> r = post(s, "/mutate", SGX_POD);
      assertEquals(503, r.statusCode(), r.body());
      assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
    } finally {
      release.countDown();
    }
  }
}
