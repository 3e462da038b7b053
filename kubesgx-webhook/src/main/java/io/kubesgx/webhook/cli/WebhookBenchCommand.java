package io.kubesgx.webhook.cli;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.certs.ServingCertificates;
import io.kubesgx.webhook.http.AdmissionHandler;
import io.kubesgx.webhook.http.ServerLimits;
import io.kubesgx.webhook.http.WebhookMetrics;
import io.kubesgx.webhook.http.WebhookServer;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import io.kubesgx.webhook.rules.PodRules;
import io.kubesgx.webhook.rules.RulesConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx webhook-bench}: starts the webhook in-process on a loopback port with a fresh
 * certificate and sends SGX-pod mutations over HTTPS at a fixed rate (open loop) through a bounded
 * set of HTTP/1.1 keep-alive connections, reporting latency percentiles measured from each
 * request's intended send time (so a stall is not hidden) and errors by kind.
 */
@Command(name = "webhook-bench", mixinStandardHelpOptions = true,
    description = "Benchmark POST /mutate over HTTPS on loopback at a fixed request rate.")
public final class WebhookBenchCommand implements Callable<Integer> {
  static final String REVIEW = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
      + "\"AdmissionReview\",\"request\":{\"uid\":\"bench\",\"kind\":{\"group\":\"\",\"version\":"
      + "\"v1\",\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"namespace\":\"default\",\"object\":"
      + "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"sgx-test\",\"namespace\":"
      + "\"default\",\"annotations\":{\"sgx.intel.com/quote-provider\":\"aesmd\"}},\"spec\":"
      + "{\"containers\":[{\"name\":\"app\",\"image\":\"example/sgx-app:1\",\"resources\":"
      + "{\"limits\":{\"sgx.intel.com/epc\":\"10Mi\"},\"requests\":{\"sgx.intel.com/epc\":"
      + "\"10Mi\"}}}]}}}}";

  @Spec CommandSpec spec;

  @Option(names = "--rate", defaultValue = "500", description = "Requests per second (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured duration (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured warm-up seconds (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--connections", defaultValue = "8", description = "Most client connections, HTTP/1.1 keep-alive (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--queue", defaultValue = "10000", description = "Requests allowed to wait "
      + "for a free connection in the client; beyond it a request counts as an error "
      + "(default: ${DEFAULT-VALUE}).")
  int queue;

  @Override
  public Integer call() throws Exception {
    if (rate < 1 || seconds < 1 || warmup < 0 || connections < 1 || queue < 1) {
      spec.commandLine().getErr().println("error: --rate, --seconds, --connections and --queue "
          + "must be positive and --warmup not negative");
      return 2;
    }
    if ((long) rate * (seconds + warmup) > 10_000_000L) {
      spec.commandLine().getErr().println("error: --rate times (--seconds + --warmup) must be at "
          + "most 10000000 requests");
      return 2;
    }
    ServingCertificates certs = ServingCertificates.create("localhost", "bench",
        Clock.systemUTC());
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler handler = new AdmissionHandler(new PodRules(new RulesConfig(
        EpcResource.INTEL, NodeEpcCapacity.fixed(512L << 30))), metrics);
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try (WebhookServer server = WebhookServer.start(0, new WebhookServer.TlsMaterial(
        certs.certPem().getBytes(StandardCharsets.US_ASCII),
        certs.keyPem().getBytes(StandardCharsets.US_ASCII)), handler, metrics,
        ServerLimits.defaults())) {
      AtomicInteger opened = new AtomicInteger();
      // HTTP/1.1 keep-alive over TLS, at most `connections` connections; requests that find every
      // connection busy wait in the client's bounded queue (their wait counts: latency is taken
      // from the intended send time).
      HttpClient client = clientVertx.httpClientBuilder()
          .with(new HttpClientOptions().setSsl(true).setUseAlpn(false)
              .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true)
              .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(certs.caCertPem())))
              .setDefaultHost("localhost").setDefaultPort(server.port()))
          .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(queue))
          .withConnectHandler(c -> opened.incrementAndGet())
          .build();
      Buffer body = Buffer.buffer(REVIEW);
      run(client, body, warmup * rate);
      Result r = run(client, body, seconds * rate);
      long[] lat = r.sortedLatencies();
      var out = spec.commandLine().getOut();
      out.printf("webhook-bench: %d requests at %d/s over HTTPS (HTTP/1.1 keep-alive, TLS, at most "
              + "%d connections; %d opened in all), %d ok, errors %d %s%n",
          seconds * rate, rate, connections, opened.get(), lat.length, r.errorCount(),
          r.errors());
      if (lat.length > 0) {
        out.printf("latency ms from intended send time (ok requests): p50 %.3f  p90 %.3f  "
                + "p99 %.3f  p99.9 %.3f  max %.3f%n", ms(lat, 0.50), ms(lat, 0.90),
            ms(lat, 0.99), ms(lat, 0.999), lat[lat.length - 1] / 1e6);
      }
      out.printf("server rejections: %s%n", rejections(new String(metrics.scrape(), StandardCharsets.UTF_8)));
      out.flush();
      return r.errorCount() == 0 ? 0 : 1;
    } catch (WebhookException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    } finally {
      clientVertx.close().await();
    }
  }

  /** Latencies of answered-200 requests and error counts by kind. */
  private record Result(long[] latencies, int ok, Map<String, Integer> errors) {
    long[] sortedLatencies() {
      long[] l = Arrays.copyOf(latencies, ok);
      Arrays.sort(l);
      return l;
    }

    int errorCount() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Sends {@code n} requests open-loop: request i is due at start + i/rate whatever happened to the
   * earlier ones, and its latency runs from that due time to the end of its answer.
   */
  private Result run(HttpClient client, Buffer body, int n) throws InterruptedException {
    long[] lat = new long[n];
    AtomicInteger ok = new AtomicInteger();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(n);
    long start = System.nanoTime();
    long intervalNanos = 1_000_000_000L / rate;
    RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setURI("/mutate")
        .putHeader("Content-Type", "application/json");
    for (int i = 0; i < n; i++) {
      long due = start + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      client.request(opts)
          .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> resp.statusCode())))
          .onComplete(ar -> {
            long took = System.nanoTime() - due;
            if (ar.succeeded() && ar.result() == 200) {
              lat[ok.getAndIncrement()] = took;
            } else {
              String kind = ar.succeeded() ? "status_" + ar.result()
                  : ar.cause().getClass().getSimpleName();
              errors.merge(kind, 1, Integer::sum);
            }
            done.countDown();
          });
    }
    // Absolute bound on the wait for stragglers: the server's own deadline is 10 s.
    if (!done.await(30, TimeUnit.SECONDS)) {
      errors.merge("unanswered_after_30s", (int) done.getCount(), Integer::sum);
    }
    return new Result(lat, Math.min(ok.get(), n), new TreeMap<>(errors));
  }

  private static String rejections(String scrape) {
    StringBuilder sb = new StringBuilder();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("kubesgx_webhook_rejected_requests_total{")) {
        sb.append(sb.length() == 0 ? "" : ", ").append(line.substring(line.indexOf('{')));
      }
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
