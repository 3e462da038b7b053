package io.kubesgx.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubesgx.aesm.AesmClient;
import io.kubesgx.webhook.nodelabel.QuoteHelperReadiness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx quote-helper-label}: a sidecar of the quote helper DaemonSet that labels its node
 * {@code kubesgx.io/quote-helper-ready=true} while the AESM socket answers {@code GetQuoteSizeEx}.
 */
@Command(name = "quote-helper-label", mixinStandardHelpOptions = true,
    description = "Label this node kubesgx.io/quote-helper-ready=true while the quote helper's "
        + "AESM socket answers; remove the label when it stops answering or on SIGTERM.")
public final class QuoteHelperLabelCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(QuoteHelperLabelCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "${env:NODE_NAME}",
      description = "Node object name (default: env NODE_NAME).")
  String nodeName;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/var/run/aesmd/aesm.socket",
      description = "AESM socket to probe (default: ${DEFAULT-VALUE}).")
  Path socket;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "10",
      description = "Seconds between probes (default: ${DEFAULT-VALUE}).")
  int interval;

  @Override
  public Integer call() {
    if (nodeName == null || nodeName.isBlank()) {
      spec.commandLine().getErr().println("error: give --node-name or set env NODE_NAME");
      return 2;
    }
    if (interval < 1) {
      spec.commandLine().getErr().println("error: --interval must be at least 1");
      return 2;
    }
    AesmClient aesm = AesmClient.create(socket, Duration.ofSeconds(5));
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "kubesgx-shutdown"));
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      QuoteHelperReadiness r = new QuoteHelperReadiness(client, nodeName, () -> {
        try {
          aesm.getQuoteSizeEx(Optional.empty());
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      do {
        try {
          QuoteHelperReadiness.Outcome o = r.reconcile();
          if (o != QuoteHelperReadiness.Outcome.UNCHANGED) {
            LOG.info("node {}: {}", nodeName, o);
          }
        } catch (RuntimeException e) {
          LOG.warn("labelling node {} failed, will retry: {}", nodeName, e.toString());
        }
      } while (!stop.await(interval, TimeUnit.SECONDS));
      try {
        r.withdraw();
      } catch (RuntimeException e) {
        LOG.warn("could not remove the label on exit: {}", e.toString());
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
