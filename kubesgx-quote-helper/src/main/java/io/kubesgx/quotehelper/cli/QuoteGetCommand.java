package io.kubesgx.quotehelper.cli;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.aesm.AesmClient;
import io.kubesgx.aesm.AesmQuoteProvider;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.sdk.sim.SimReportSource;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sim.SimPlatform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx quote get}: an AESM client — gets a quote over the AESM socket for a simulated
 * application enclave and writes it to a file.
 *
 * <p>The enclave REPORT is made by a simulated application enclave on {@code --platform}, which must
 * be the platform directory the quote helper serves (its QE only accepts REPORTs from the same
 * simulated CPU).
 */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = {
      "Get a quote over the AESM socket (InitQuoteEx, EREPORT, GetQuoteSizeEx, GetQuoteEx) and write it.",
      "The enclave REPORT comes from a simulated app enclave on --platform (the helper's platform directory)."
    })
public final class QuoteGetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Runs the command standalone (without the {@code kubesgx} launcher). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new QuoteGetCommand()).execute(args));
  }

  /** Environment variable naming the AESM socket when {@code --socket} is not given. */
  public static final String SOCKET_ENV = "KUBESGX_AESM_SOCKET";

  private final Map<String, String> env;

  /** A command reading the process environment. */
  public QuoteGetCommand() {
    this(System.getenv());
  }

  QuoteGetCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Option(names = "--socket", paramLabel = "PATH",
      description = "AESM socket (default: env " + SOCKET_ENV + ", else /var/run/aesmd/aesm.socket).")
  Path socket;

  @Option(names = "--report-data", required = true, paramLabel = "HEX", description = "REPORTDATA, up to 64 bytes (zero-padded).")
  String reportData;

  @Option(names = "--out", required = true, paramLabel = "QUOTE_FILE", description = "Binary quote output.")
  Path out;

  @Option(names = "--platform", paramLabel = "DIR", defaultValue = "${env:KUBESGX_SIM_PLATFORM}",
      description = "Simulated platform directory the helper serves (default: env KUBESGX_SIM_PLATFORM).")
  Path platform;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "15000", description = "Per-call timeout (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(names = "--wait-ms", paramLabel = "MS", defaultValue = "30000",
      description = "How long to wait for a missing socket (default: ${DEFAULT-VALUE}).")
  long waitMs;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (socket == null) {
      String fromEnv = env.get(SOCKET_ENV);
      socket = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : AesmClient.DEFAULT_SOCKET;
    }
    if (Files.isDirectory(socket) || Files.isRegularFile(socket)) {
      throw CliException.usage("AESM socket " + socket + " is a " + (Files.isDirectory(socket) ? "directory" : "regular file")
          + ", not a socket; give the quote helper's socket with --socket or " + SOCKET_ENV);
    }
    if (timeoutMs < 1 || waitMs < 0) {
      throw CliException.usage("--timeout-ms must be positive and --wait-ms not negative");
    }
    if (platform == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--platform DIR (or env KUBESGX_SIM_PLATFORM) is required: the enclave REPORT comes from a simulated enclave on it");
    }
    byte[] rd = parseReportData(reportData);
    CryptoProviders.installPreferred();
    // The helper creates the platform when it starts; a client started first waits for it too.
    long deadline = System.nanoTime() + Duration.ofMillis(waitMs).toNanos();
    while (!Files.exists(platform.resolve("platform.json")) && System.nanoTime() - deadline < 0) {
      Thread.sleep(100);
    }
    SimPlatform p;
    try {
      p = SimPlatform.open(platform, Clock.systemUTC());
    } catch (IOException | io.kubesgx.common.MalformedInputException e) {
      err.println("quote get: no simulated platform in " + platform + " (" + e.getMessage()
          + "); pass the directory the quote helper serves with --platform or KUBESGX_SIM_PLATFORM");
      err.flush();
      return 2;
    }
    SimReportSource reports = SimReportSource.create(p, AppEnclave.defaultEnclave());
    AesmQuoteProvider provider = AesmQuoteProvider.newBuilder(reports)
        .socket(socket).callTimeout(Duration.ofMillis(timeoutMs)).startDeadline(Duration.ofMillis(waitMs)).build();
    byte[] quote;
    try {
      quote = provider.quote(rd);
    } catch (QuoteProviderException e) {
      err.println("quote get: " + e.reason() + " (AESM socket " + socket + "): " + e.getMessage());
      err.flush();
      return 2;
    }
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(out, quote);
    } catch (IOException e) {
      throw CliException.io("--out " + out, e);
    }
    err.println("quote get: wrote " + quote.length + "-byte quote to " + out + " via AESM socket " + socket
        + " (REPORT from simulated enclave MRENCLAVE " + reports.enclave().mrEnclave().hex() + " on " + platform + ")"
);
    err.flush();
    return 0;
  }

  private byte[] parseReportData(String hex) {
    String h = hex.startsWith("0x") ? hex.substring(2) : hex;
    byte[] b;
    try {
      b = HexFormat.of().parseHex(h);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--report-data is not hex: " + e.getMessage());
    }
    if (b.length > 64) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--report-data is longer than 64 bytes");
    }
    return java.util.Arrays.copyOf(b, 64);
  }
}
