package io.kubesgx.webhook.cli;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.http.AdmissionHandler;
import io.kubesgx.webhook.http.ServerLimits;
import io.kubesgx.webhook.http.WebhookMetrics;
import io.kubesgx.webhook.http.WebhookServer;
import io.kubesgx.webhook.http.WebhookServer.TlsMaterial;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import io.kubesgx.webhook.rules.PodRules;
import io.kubesgx.webhook.rules.RulesConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubesgx.webhook.certs.CertificateStore;
import io.kubesgx.webhook.certs.NodeEpcCache;
import io.kubesgx.webhook.certs.ServingCertificates;
import io.kubesgx.webhook.certs.WebhookConfigurations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx webhook}: serves the admission webhook over HTTPS until SIGTERM.
 *
 * <pre>{@code
 * kubesgx webhook --port 8443 --tls-cert tls.crt --tls-key tls.key --epc-resource intel --no-kube-api
 * }</pre>
 */
@Command(name = "webhook", mixinStandardHelpOptions = true,
    description = "Run the SGX admission webhook (POST /mutate, /validate; /healthz, /readyz, "
        + "/metrics) over HTTPS.")
public final class WebhookCommand implements Callable<Integer> {
  /** Largest PEM file read. */
  static final int MAX_PEM = 1024 * 1024;
  /** On SIGTERM, how long admission reviews in flight get to be answered. */
  static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
  /** How often {@code --tls-cert}/{@code --tls-key} are re-read for a rotated certificate. */
  static final Duration TLS_FILE_CHECK = Duration.ofMinutes(1);

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8443",
      description = "HTTPS port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--tls-cert", paramLabel = "CERT.pem",
      description = "Serving certificate chain (PEM), e.g. from cert-manager. Without it the "
          + "webhook manages its own CA and certificate in a Secret.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "KEY.pem", description = "Private key (PEM) of --tls-cert.")
  Path tlsKey;

  @Option(names = "--epc-resource", paramLabel = "azure|intel", defaultValue = "intel",
      description = "The cluster's canonical EPC resource, the same as the node agent's: intel "
          + "(sgx.intel.com/epc, bytes) or azure (kubernetes.azure.com/sgx_epc_mem_in_MiB) "
          + "(default: ${DEFAULT-VALUE}).")
  String epcResource;

  @Option(names = "--no-kube-api", description = "Do not talk to the Kubernetes API: no "
      + "certificate management (needs --tls-cert/--tls-key) and no EPC size check against Node "
      + "objects (responses say so in a warning).")
  boolean noKubeApi;

  @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-kubesgx}",
      description = "The webhook's namespace (default: env POD_NAMESPACE or kubesgx).")
  String namespace;

  @Option(names = "--service", paramLabel = "NAME", defaultValue = "kubesgx-webhook",
      description = "The webhook's Service, named in its certificate (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--secret", paramLabel = "NAME", defaultValue = "kubesgx-webhook-tls",
      description = "Secret holding the self-managed CA and certificate (default: ${DEFAULT-VALUE}).")
  String secret;

  @Option(names = "--webhook-config", paramLabel = "NAME", defaultValue = "kubesgx-webhook",
      description = "Name of the Mutating/ValidatingWebhookConfiguration whose caBundle is kept "
          + "current (default: ${DEFAULT-VALUE}).")
  String webhookConfig;

  @Override
  public Integer call() {
    EpcResource canonical;
    TlsMaterial tls;
    try {
      canonical = EpcResource.parse(epcResource);
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("--port must be 0..65535, got " + port);
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new IllegalArgumentException("give both --tls-cert and --tls-key, or neither");
      }
      if (tlsCert == null && noKubeApi) {
        throw new IllegalArgumentException("--no-kube-api needs --tls-cert and --tls-key "
            + "(certificates are managed through the Kubernetes API otherwise)");
      }
      tls = tlsCert == null ? null
          : new TlsMaterial(read(tlsCert, "--tls-cert"), read(tlsKey, "--tls-key"));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean signalled = new AtomicBoolean();
    // SIGTERM runs this hook. It stops the main thread, which drains and closes the server and then
    // closes the Kubernetes client; the hook waits for that and ends with status 0 (halt is the
    // only way to choose the status from a hook). It halts only when it initiated the stop, and
    // the normal path removes it, so a later System.exit(n) in the same JVM keeps its status.
    Thread hook = new Thread(() -> {
      if (stop.getCount() == 0) {
        return;
      }
      signalled.set(true);
      stop.countDown();
      try {
        done.await(DRAIN_GRACE.toSeconds() + 15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(0);
    }, "kubesgx-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (noKubeApi) {
        spec.commandLine().getOut().println("webhook: --no-kube-api: no certificate management, "
            + "EPC size check against Node objects skipped");
        return serve(canonical, tls,
            NodeEpcCapacity.skipped("--no-kube-api (Node objects are not read)"), null, stop);
      }
      try (KubernetesClient client = new KubernetesClientBuilder().build()) {
        return serve(canonical, tls, null, client, stop);
      }
    } finally {
      if (!signalled.get()) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down (not through this hook's stop): nothing to remove
        }
      }
      done.countDown();
    }
  }

  private int serve(EpcResource canonical, TlsMaterial files, NodeEpcCapacity fixedCapacity,
      KubernetesClient client, CountDownLatch stop) {
    TlsMaterial tls = files;
    NodeEpcCapacity capacity = fixedCapacity;
    CertificateStore store = null;
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kubesgx-webhook-refresh");
      t.setDaemon(true);
      return t;
    });
    WebhookConfigurations configs = new WebhookConfigurations(webhookConfig, namespace, service,
        443);
    if (client != null) {
      NodeEpcCache cache = new NodeEpcCache(client, Clock.systemUTC(), Duration.ofMinutes(5));
      cache.refresh();
      timer.scheduleWithFixedDelay(cache::refresh, 30, 30, TimeUnit.SECONDS);
      capacity = cache;
      if (tls == null) {
        store = new CertificateStore(client, namespace, secret, service, Clock.systemUTC());
        try {
          ServingCertificates c = store.ensure();
          tls = material(c);
          configs.patchCaBundle(client, c.caCertPem());
        } catch (WebhookException | RuntimeException e) {
          spec.commandLine().getErr().println("error: " + e.getMessage());
          timer.shutdownNow();
          return 2;
        }
      }
    }
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler handler = new AdmissionHandler(
        new PodRules(new RulesConfig(canonical, capacity)), metrics);
    WebhookServer started;
    try {
      started = WebhookServer.start(port, tls, handler, metrics, ServerLimits.defaults());
    } catch (WebhookException e) {
      timer.shutdownNow();
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    WebhookServer server = started;
    boolean interrupted = false;
    try {
      spec.commandLine().getOut().println("webhook: listening on https port " + server.port()
          + ", EPC resource " + canonical.resourceName());
      spec.commandLine().getOut().flush();
      if (store != null) {
        CertificateStore st = store;
        timer.scheduleWithFixedDelay(() -> rotate(st, server, configs, client), 1, 1,
            TimeUnit.HOURS);
      } else if (tlsCert != null) {
        TlsFileReloader reloader = new TlsFileReloader(tlsCert, tlsKey, tls, server::updateTls);
        timer.scheduleWithFixedDelay(reloader::poll, TLS_FILE_CHECK.toSeconds(),
            TLS_FILE_CHECK.toSeconds(), TimeUnit.SECONDS);
      }
      stop.await();
      return 0;
    } catch (InterruptedException e) {
      interrupted = true; // restored after the drain, which would otherwise end at once
      return 0;
    } finally {
      timer.shutdownNow();
      server.shutdown(DRAIN_GRACE);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Re-reads (and if due, renews) the shared certificate; serves it and patches caBundle. */
  private static void rotate(CertificateStore store, WebhookServer server,
      WebhookConfigurations configs, KubernetesClient client) {
    try {
      ServingCertificates c = store.ensure();
      server.updateTls(material(c));
      configs.patchCaBundle(client, c.caCertPem());
    } catch (WebhookException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(WebhookCommand.class)
          .warn("certificate refresh failed, will retry: {}", e.getMessage());
    }
  }

  private static TlsMaterial material(ServingCertificates c) {
    return new TlsMaterial(c.certPem().getBytes(StandardCharsets.US_ASCII),
        c.keyPem().getBytes(StandardCharsets.US_ASCII));
  }

  static byte[] read(Path p, String option) {
    try (java.io.InputStream in = Files.newInputStream(p)) {
      byte[] b = in.readNBytes(MAX_PEM + 1);
      if (b.length > MAX_PEM) {
        throw new IllegalArgumentException(option + " " + p + ": larger than " + MAX_PEM
            + " bytes, not a PEM certificate or key");
      }
      return b;
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(option + " " + p + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + p + ": cannot read (" + e.getMessage()
          + ")");
    }
  }

  /** Runs the command directly. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new WebhookCommand()).execute(args));
  }
}
