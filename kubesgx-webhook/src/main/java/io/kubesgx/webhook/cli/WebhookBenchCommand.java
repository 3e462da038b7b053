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
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx webhook-bench}: starts the webhook in-process on a loopback port with a fresh
 * certificate and sends SGX-pod mutations over HTTPS at a fixed rate, reporting latency
 * percentiles measured from each request's scheduled start (so a stall is not hidden).
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

  @Option(names = "--connections", defaultValue = "8", description = "Client connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Override
  public Integer call() throws Exception {
    if (rate < 1 || seconds < 1 || warmup < 0 || connections < 1) {
      spec.commandLine().getErr().println("error: --rate, --seconds and --connections must be "
          + "positive");
      return 2;
    }
    ServingCertificates certs = ServingCertificates.create("localhost", "bench",
        Clock.systemUTC());
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler handler = new AdmissionHandler(new PodRules(new RulesConfig(
        EpcResource.INTEL, NodeEpcCapacity.fixed(512L << 30))), metrics);
    try (WebhookServer server = WebhookServer.start(0, new WebhookServer.TlsMaterial(
        certs.certPem().getBytes(StandardCharsets.US_ASCII),
        certs.keyPem().getBytes(StandardCharsets.US_ASCII)), handler, metrics,
        ServerLimits.defaults())) {
      HttpClient[] clients = new HttpClient[connections];
      SSLContext ssl = trusting(certs.caCertPem());
      for (int i = 0; i < connections; i++) {
        clients[i] = HttpClient.newBuilder().sslContext(ssl)
            .version(HttpClient.Version.HTTP_1_1).build();
      }
      // The certificate names "localhost" (first SAN); connect to it.
      URI uri = URI.create("https://localhost:" + server.port() + "/mutate");
      HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(REVIEW)).build();
      run(clients, req, warmup * rate, null);
      long[] lat = new long[seconds * rate];
      AtomicInteger errors = run(clients, req, lat.length, lat);
      Arrays.sort(lat);
      spec.commandLine().getOut().printf(
          "webhook-bench: %d requests at %d/s over HTTPS (TLS, %d connections), errors %d%n"
              + "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
          lat.length, rate, connections, errors.get(), ms(lat, 0.50), ms(lat, 0.90),
          ms(lat, 0.99), ms(lat, 0.999), lat[lat.length - 1] / 1e6);
      spec.commandLine().getOut().flush();
      return errors.get() == 0 ? 0 : 1;
    } catch (WebhookException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
  }

  private AtomicInteger run(HttpClient[] clients, HttpRequest req, int n, long[] lat)
      throws Exception {
    AtomicInteger errors = new AtomicInteger();
    CompletableFuture<?>[] all = new CompletableFuture<?>[n];
    long start = System.nanoTime();
    long interval = 1_000_000_000L / rate;
    for (int i = 0; i < n; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      int idx = i;
      all[i] = clients[i % clients.length].sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
          .handle((r, t) -> {
            long took = System.nanoTime() - due;
            if (t != null || r.statusCode() != 200) {
              errors.incrementAndGet();
            }
            if (lat != null) {
              lat[idx] = took;
            }
            return null;
          });
    }
    CompletableFuture.allOf(all).join();
    return errors;
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static SSLContext trusting(String caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
