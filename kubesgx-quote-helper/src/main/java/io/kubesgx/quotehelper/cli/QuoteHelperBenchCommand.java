package io.kubesgx.quotehelper.cli;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.quotehelper.LoadRun;
import io.kubesgx.quotehelper.QuoteHelperServer;
import io.kubesgx.quotehelper.SimBackend;
import io.kubesgx.sdk.sim.SimReportSource;
import io.kubesgx.sim.SimPlatform;
import java.io.PrintWriter;
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

/**
 * {@code kubesgx quote-helper-bench}: measures quotes per second over an AESM socket with N client
 * threads — against a running helper ({@code --socket}) or an in-process sim helper on a temporary
 * socket.
 */
@Command(name = "quote-helper-bench", mixinStandardHelpOptions = true,
    description = "Measure quotes/s over the AESM socket with N client threads (sim backend).")
public final class QuoteHelperBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Runs the command standalone (without the {@code kubesgx} launcher). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new QuoteHelperBenchCommand()).execute(args));
  }

  @Option(names = "--socket", paramLabel = "PATH",
      description = "Socket of a running quote helper; default: start an in-process sim helper on a temporary socket.")
  Path socket;

  @Option(names = "--platform", paramLabel = "DIR", defaultValue = "${env:KUBESGX_SIM_PLATFORM}",
      description = "Simulated platform directory (the helper's; default: env KUBESGX_SIM_PLATFORM, else a temporary one).")
  Path platform;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "16", description = "Client threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "5", description = "Measured duration (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "2", description = "Unmeasured warm-up (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--mode", paramLabel = "full|quote", defaultValue = "full",
      description = "full: InitQuoteEx + EREPORT + GetQuoteSizeEx + GetQuoteEx per quote; quote: GetQuoteEx only (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--workers", paramLabel = "N", defaultValue = "8", description = "Workers of the in-process helper (default: ${DEFAULT-VALUE}).")
  int workers;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CryptoProviders.installPreferred();
    LoadRun.Mode m;
    if ("full".equals(mode)) {
      m = LoadRun.Mode.FULL;
    } else if ("quote".equals(mode)) {
      m = LoadRun.Mode.QUOTE_ONLY;
    } else {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be full or quote");
    }
    if (platform != null && !Files.isRegularFile(platform.resolve("platform.json"))) {
      throw io.kubesgx.common.cli.CliException.usage("no simulated platform in " + platform
          + " (check the --platform spelling); create one with `kubesgx sim init --platform " + platform
          + "`, or leave --platform out to benchmark a temporary one");
    }
    Path tmp = Files.createTempDirectory(Path.of("/tmp"), "qhb");
    Path dir = platform != null ? platform : tmp.resolve("platform");
    SimPlatform p = SimPlatform.openOrCreate(dir, Clock.systemUTC());
    QuoteHelperServer server = null;
    Path target = socket;
    try {
      if (target == null) {
        target = tmp.resolve("aesm.socket");
        server = QuoteHelperServer.newBuilder(target, SimBackend.create(p, 3)).workers(workers).queue(1024)
            .maxConnections(Math.max(512, 2 * threads)).build().start();
      }
      SimReportSource reports = SimReportSource.create(p, AppEnclave.defaultEnclave());
      if (warmup > 0) {
        LoadRun.run(target, reports, m, threads, Duration.ofSeconds(warmup), q -> {});
      }
      LoadRun.Result r = LoadRun.run(target, reports, m, threads, Duration.ofSeconds(seconds), q -> {});
      out.println("quote-helper-bench: mode " + mode + ", " + threads + " client threads, "
          + (server != null ? "in-process sim helper (" + workers + " workers)" : "helper on " + target) + ", "
          + Runtime.getRuntime().availableProcessors() + " CPUs: " + r);
      r.firstError().ifPresent(e -> out.println("first error: " + e));
      out.flush();
      return r.errors() == 0 ? 0 : 1;
    } finally {
      if (server != null) {
        server.close();
      }
      try (java.util.stream.Stream<Path> files = Files.walk(tmp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
