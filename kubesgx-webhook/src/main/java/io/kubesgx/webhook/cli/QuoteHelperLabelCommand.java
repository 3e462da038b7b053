package io.kubesgx.webhook.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubesgx.aesm.AesmClient;
import io.kubesgx.webhook.nodelabel.QuoteHelperReadiness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
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

  /** Seconds the SIGTERM hook waits for the label to be withdrawn before ending anyway. */
  static final int WITHDRAW_WAIT_SECONDS = 30;

  private final Function<Path, BooleanSupplier> probes;

  /** Creates the command probing the AESM socket with {@code GetQuoteSizeEx}. */
  public QuoteHelperLabelCommand() {
    this(QuoteHelperLabelCommand::aesmProbe);
  }

  /** Creates the command with another socket probe (tests). */
  QuoteHelperLabelCommand(Function<Path, BooleanSupplier> probes) {
    this.probes = Objects.requireNonNull(probes);
  }

  private static BooleanSupplier aesmProbe(Path socket) {
    AesmClient aesm = AesmClient.create(socket, Duration.ofSeconds(5));
    return () -> {
      try {
        aesm.getQuoteSizeEx(Optional.empty());
        return true;
      } catch (Exception e) {
        return false;
      }
    };
  }

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
    BooleanSupplier probe = probes.apply(socket);
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch withdrawn = new CountDownLatch(1);
    // SIGTERM runs this hook: it stops the loop, waits until the main thread has removed the label
    // and closed the client, then ends with status 0 (halt is the only way to choose the status
    // from a hook; without the wait the JVM exited 143 before the label was removed).
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        if (!withdrawn.await(WITHDRAW_WAIT_SECONDS, TimeUnit.SECONDS)) {
          LOG.warn("node {}: label not removed within {} s of SIGTERM", nodeName,
              WITHDRAW_WAIT_SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
      }
    }, "kubesgx-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      QuoteHelperReadiness r = new QuoteHelperReadiness(client, nodeName, probe);
      try {
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
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        LOG.info("node {}: {} on exit", nodeName, r.withdraw());
      } catch (RuntimeException e) {
        LOG.warn("could not remove the label on exit: {}", e.toString());
      }
      return 0;
    } finally {
      if (stop.getCount() > 0) {
        removeHook(hook); // not stopped by SIGTERM: a later System.exit(n) keeps its status
      }
      withdrawn.countDown();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs and ends the process
    }
  }

  /** Runs the command directly. */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new QuoteHelperLabelCommand()).execute(args));
  }
}
