package io.kubesgx.attestation.cli;

import io.kubesgx.collateralservice.CollateralException;
import io.kubesgx.collateralservice.CollateralKey;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.collateralservice.UpdateType;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TeeType;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx collateral export|check}: offline collateral bundles for air-gapped services. */
@Command(name = "collateral", mixinStandardHelpOptions = true,
    description = "Offline collateral bundles: export from a PCS/PCCS, check a bundle before importing it (attestation-service --collateral-bundle).",
    subcommands = {CollateralCommand.Export.class, CollateralCommand.Check.class})
public final class CollateralCommand {
  /** {@code collateral export}. */
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Fetch collateral for quotes' platforms (or given FMSPCs) and write an offline bundle.")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--pcs-url", paramLabel = "URL", required = true, description = "Intel PCS or PCCS base URL.")
    URI pcs;

    @Option(names = "--quote", paramLabel = "FILE", description = "A quote whose platform's collateral to export (repeatable).")
    List<Path> quotes = new ArrayList<>();

    @Option(names = "--fmspc", paramLabel = "HEX", description = "An SGX FMSPC to export (repeatable; with --ca).")
    List<String> fmspcs = new ArrayList<>();

    @Option(names = "--ca", paramLabel = "processor|platform", description = "PCK CA for --fmspc (default ${DEFAULT-VALUE}).")
    String ca = "processor";

    @Option(names = "--out", paramLabel = "BUNDLE.json", required = true, description = "Bundle to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (quotes.isEmpty() && fmspcs.isEmpty()) {
        throw CliException.usage("give --quote FILE or --fmspc HEX (repeatable): which platforms' collateral to export");
      }
      String caName = ca.toLowerCase(Locale.ROOT);
      if (!caName.equals("processor") && !caName.equals("platform")) {
        throw CliException.usage("--ca must be processor or platform, not '" + ca + "'");
      }
      if (pcs.getScheme() == null || !(pcs.getScheme().equals("https") || pcs.getScheme().equals("http"))) {
        throw CliException.usage("--pcs-url must be an http(s) URL such as https://api.trustedservices.intel.com, not '" + pcs + "'");
      }
      outputFile(out, "--out");
      List<byte[]> quoteBytes = new ArrayList<>();
      for (Path q : quotes) {
        AttestationServiceCommand.readableFile(q, "--quote");
        try {
          quoteBytes.add(Files.readAllBytes(q));
        } catch (java.io.IOException e) {
          throw CliException.io("--quote " + q, e);
        }
      }
      CryptoProviders.installPreferred();
      List<CollateralKey> keys = new ArrayList<>();
      try (CollateralService s = CollateralService.builder().baseUrl(pcs).clock(Clock.systemUTC()).build()) {
        for (int i = 0; i < quoteBytes.size(); i++) {
          try {
            keys.add(s.keyFor(QuoteParser.parse(quoteBytes.get(i))));
          } catch (MalformedInputException e) {
            throw CliException.usage("--quote " + quotes.get(i) + " is not a DCAP quote: " + e.getMessage());
          }
        }
        PckCa pckCa = caName.equals("platform") ? PckCa.PLATFORM : PckCa.PROCESSOR;
        for (String f : fmspcs) {
          try {
            keys.add(CollateralKey.of(TeeType.SGX, f, pckCa, UpdateType.STANDARD));
          } catch (IllegalArgumentException e) {
            throw CliException.usage("--fmspc " + f + ": " + e.getMessage() + " (6 bytes, 12 hex digits)");
          }
        }
        s.exportBundle(out, keys);
      } catch (CollateralException e) {
        throw CliException.io("collateral export failed (" + e.reason() + "): " + e.getMessage());
      }
      spec.commandLine().getErr().println("wrote " + keys.size() + " collateral entries to " + out);
      spec.commandLine().getErr().flush();
      return 0;
    }
  }

  /** {@code collateral check}. */
  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a bundle exactly as an import would.")
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--bundle", paramLabel = "BUNDLE.json", required = true,
        description = "Bundle written by `collateral export`.")
    Path bundle;

    @Override
    public Integer call() throws Exception {
      AttestationServiceCommand.readableFile(bundle, "--bundle");
      PrintWriter out = spec.commandLine().getOut();
      try (CollateralService s = CollateralService.builder().offline(true).clock(Clock.systemUTC()).build()) {
        int n;
        try {
          n = s.importBundle(bundle);
        } catch (CollateralException e) {
          spec.commandLine().getErr().println("REJECTED (" + e.reason() + "): " + e.getMessage());
          spec.commandLine().getErr().flush();
          return 1;
        }
        out.println(bundle + ": " + n + " entries accepted");
        s.health().forEach(h -> out.println("  " + h.key() + " nextUpdate " + h.nextUpdate()));
        out.flush();
      }
      return 0;
    }
  }

  /** An output file option: not a directory, and its parent directory exists. */
  static void outputFile(Path p, String option) {
    if (Files.isDirectory(p)) {
      throw CliException.usage(option + " " + p + " is a directory; give a file name");
    }
    Path parent = p.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw CliException.usage(option + " " + p + ": directory " + parent + " does not exist");
    }
    if (parent != null && !Files.isWritable(parent)) {
      throw CliException.io(option + " " + p + ": permission denied (cannot write in " + parent + ")");
    }
  }
}
