package io.kubesgx.quotehelper.cli;

import io.kubesgx.aesm.AesmClient;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.quotehelper.Backend;
import io.kubesgx.quotehelper.MetricsHttpServer;
import io.kubesgx.quotehelper.QuoteHelperServer;
import io.kubesgx.quotehelper.RelayBackend;
import io.kubesgx.quotehelper.SimBackend;
import io.kubesgx.sim.SimPlatform;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx quote-helper}: serves the AESM socket until SIGTERM. */
@Command(name = "quote-helper", mixinStandardHelpOptions = true,
    description = {
      "Serve the AESM socket protocol for out-of-process quoting (InitQuoteEx, GetQuoteSizeEx, GetQuoteEx,",
      "SelectAttKeyID, GetSupportedAttKeyIDNum/IDs) from the simulated platform's QE (--backend sim) or by",
      "relaying to Intel's aesm_service (--backend relay)."
    })
public final class QuoteHelperCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Runs the command standalone (without the {@code kubesgx} launcher). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new QuoteHelperCommand()).execute(args));
  }

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/var/run/aesmd/aesm.socket",
      description = "AESM socket to serve (default: ${DEFAULT-VALUE}); its directory is created with mode 0755.")
  Path socket;

  @Option(names = "--backend", paramLabel = "sim|relay", defaultValue = "sim",
      description = "sim: quote with the simulated platform's QE; relay: forward to --relay-socket (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--platform", paramLabel = "DIR", defaultValue = "${env:KUBESGX_SIM_PLATFORM}",
      description = "Simulated platform directory for --backend sim, made by `kubesgx sim init` (default: env KUBESGX_SIM_PLATFORM).")
  Path platform;

  @Option(names = "--create", description = "With --backend sim: create the platform with default values when DIR holds none.")
  boolean create;

  @Option(names = "--relay-socket", paramLabel = "PATH",
      description = "Upstream AESM socket for --backend relay (e.g. the socket of aesm_service).")
  Path relaySocket;

  @Option(names = "--quote-version", paramLabel = "3|4", defaultValue = "3",
      description = "Quote version the sim backend produces (4 carries certification data type 6; default: ${DEFAULT-VALUE}).")
  int quoteVersion;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "-1",
      description = "Port for /healthz, /readyz and /metrics; -1 disables (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--metrics-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
      description = "Address of the metrics endpoint; 0.0.0.0 for kubelet probes and Prometheus from outside the pod (default: ${DEFAULT-VALUE}).")
  String metricsAddress;

  /** The spelling older docs used for {@code --metrics-bind}. */
  @Option(names = "--metrics-address", paramLabel = "ADDR", hidden = true, description = "Old name of --metrics-bind.")
  void metricsAddress(String a) {
    metricsAddress = a;
  }

  @Option(names = "--workers", paramLabel = "N", defaultValue = "8",
      description = "Worker threads (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--queue", paramLabel = "N", defaultValue = "256",
      description = "Complete requests that may wait for a worker; more are answered AESM_BUSY and closed (default: ${DEFAULT-VALUE}).")
  int queue;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "512",
      description = "Open connections at most (sending, queued or served); more are answered AESM_BUSY and closed (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--first-byte-timeout-ms", paramLabel = "MS", defaultValue = "2000",
      description = "A connection that sends nothing this long after accept is closed (default: ${DEFAULT-VALUE}).")
  long firstByteTimeoutMs;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "15000",
      description = "Deadline of one connection from accept: read, answer, write; bounds relayed calls too (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (Files.isDirectory(socket) || Files.isRegularFile(socket)) {
      throw CliException.usage("--socket " + socket + " is a " + (Files.isDirectory(socket) ? "directory" : "regular file")
          + "; give a socket path (a stale socket there is replaced, files and directories are not)");
    }
    if (workers < 1 || queue < 0 || timeoutMs < 1) {
      throw CliException.usage("--workers and --timeout-ms must be positive, --queue not negative");
    }
    if (metricsPort > 65535) {
      throw CliException.usage("--metrics-port must be -1 (off) or 0..65535");
    }
    if (maxConnections < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections must be at least 1, not " + maxConnections);
    }
    if (firstByteTimeoutMs < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--first-byte-timeout-ms must be positive, not " + firstByteTimeoutMs);
    }
    CryptoProviders.installPreferred();
    Backend b = switch (backend) {
      case "sim" -> {
        if (platform == null) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--backend sim needs --platform DIR (or env KUBESGX_SIM_PLATFORM)");
        }
        if (!create && !Files.isRegularFile(platform.resolve("platform.json"))) {
          throw CliException.usage("no simulated platform in " + platform + " (check the --platform spelling); create one with "
              + "`kubesgx sim init --platform " + platform + "` or add --create");
        }
        yield SimBackend.create(SimPlatform.openOrCreate(platform, Clock.systemUTC()), quoteVersion);
      }
      case "relay" -> {
        if (relaySocket == null) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--backend relay needs --relay-socket PATH");
        }
        if (relaySocket.toAbsolutePath().normalize().equals(socket.toAbsolutePath().normalize())) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--relay-socket must differ from --socket");
        }
        yield new RelayBackend(relaySocket);
      }
      default -> throw new CommandLine.ParameterException(spec.commandLine(), "--backend must be sim or relay, not " + backend);
    };
    QuoteHelperServer server = QuoteHelperServer.newBuilder(socket, b)
        .workers(workers).queue(queue).maxConnections(maxConnections)
        .firstByteTimeout(Duration.ofMillis(firstByteTimeoutMs)).timeout(Duration.ofMillis(timeoutMs)).build().start();
    MetricsHttpServer http;
    try {
      http = metricsPort >= 0 ? MetricsHttpServer.start(new InetSocketAddress(metricsAddress, metricsPort), server) : null;
    } catch (java.net.BindException e) {
      server.close();
      throw CliException.io("cannot listen on " + metricsAddress + ":" + metricsPort + " (" + e.getMessage()
          + "): choose another --metrics-port (-1 disables it) or --metrics-bind");
    }
    // SIGTERM runs this hook: close (removes the socket), then end with status 0 instead of the
    // JVM's 143, as the docs promise; halt is the only way to choose the status from a hook.
    Thread hook = new Thread(() -> {
      if (http != null) {
        http.close();
      }
      server.close();
      System.err.flush();
      Runtime.getRuntime().halt(0);
    }, "quote-helper-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      err.println("quote-helper: serving " + socket + " with the " + b.name() + " backend"
        + (b instanceof RelayBackend ? " -> " + relaySocket : " (SIMULATED platform " + platform + ", quote v" + quoteVersion + ")")
        + (http != null ? "; metrics on :" + http.port() : "")
        + (socket.equals(AesmClient.DEFAULT_SOCKET) ? "" : "; clients: set KUBESGX_AESM_SOCKET=" + socket));
      err.flush();
      server.awaitTermination();
      return 0;
    } catch (RuntimeException | InterruptedException e) {
      Runtime.getRuntime().removeShutdownHook(hook); // a failure must not end with status 0
      server.close();
      throw e;
    }
  }
}
