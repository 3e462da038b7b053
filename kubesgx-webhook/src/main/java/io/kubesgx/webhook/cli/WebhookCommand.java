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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
      if (tlsCert == null) {
        throw new IllegalArgumentException(noKubeApi
            ? "--no-kube-api needs --tls-cert and --tls-key (certificates are managed through "
                + "the Kubernetes API otherwise)"
            : "self-managed certificates are not available in this build; give --tls-cert and "
                + "--tls-key");
      }
      tls = new TlsMaterial(read(tlsCert, "--tls-cert"), read(tlsKey, "--tls-key"));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    NodeEpcCapacity capacity = noKubeApi
        ? NodeEpcCapacity.skipped("--no-kube-api (Node objects are not read)")
        : NodeEpcCapacity.skipped("Node objects are not read in this build");
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler handler = new AdmissionHandler(
        new PodRules(new RulesConfig(canonical, capacity)), metrics);
    CountDownLatch stop = new CountDownLatch(1);
    try (WebhookServer server = WebhookServer.start(port, tls, handler, metrics,
        ServerLimits.defaults())) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "kubesgx-shutdown"));
      spec.commandLine().getOut().println("webhook: listening on https port " + server.port()
          + ", EPC resource " + canonical.resourceName());
      spec.commandLine().getOut().flush();
      stop.await();
      return 0;
    } catch (WebhookException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static byte[] read(Path p, String option) {
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
