package io.kubesgx.attestation.cli;

import io.kubesgx.collateralservice.CollateralKey;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.collateralservice.UpdateType;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TeeType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kubesgx collateral export|check}: offline collateral bundles for air-gapped services. */
@Command(name = "collateral", mixinStandardHelpOptions = true,
    description = "Offline collateral bundles: export from a PCS/PCCS, check a bundle before importing it (attestation-service --collateral-bundle).",
    subcommands = {CollateralCommand.Export.class, CollateralCommand.Check.class})
public final class CollateralCommand {
  /** {@code collateral export}. */
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Fetch collateral for quotes' platforms (or given FMSPCs) and write an offline bundle.")
  static final class Export implements Callable<Integer> {
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
      CryptoProviders.installPreferred();
      List<CollateralKey> keys = new ArrayList<>();
      try (CollateralService s = CollateralService.builder().baseUrl(pcs).clock(Clock.systemUTC()).build()) {
        for (Path q : quotes) {
          keys.add(s.keyFor(QuoteParser.parse(Files.readAllBytes(q))));
        }
        PckCa pckCa = "platform".equals(ca.toLowerCase(Locale.ROOT)) ? PckCa.PLATFORM : PckCa.PROCESSOR;
        for (String f : fmspcs) {
          keys.add(CollateralKey.of(TeeType.SGX, f, pckCa, UpdateType.STANDARD));
        }
        if (keys.isEmpty()) {
          System.err.println("collateral export: give --quote FILE or --fmspc HEX");
          return 2;
        }
        s.exportBundle(out, keys);
      }
      System.err.println("wrote " + keys.size() + " collateral entries to " + out);
      return 0;
    }
  }

  /** {@code collateral check}. */
  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a bundle exactly as an import would.")
  static final class Check implements Callable<Integer> {
    @Option(names = "--bundle", paramLabel = "BUNDLE.json", required = true) Path bundle;

    @Override
    public Integer call() throws Exception {
      try (CollateralService s = CollateralService.builder().offline(true).clock(Clock.systemUTC()).build()) {
        int n = s.importBundle(bundle);
        System.out.println(bundle + ": " + n + " entries accepted");
        s.health().forEach(h -> System.out.println("  " + h.key() + " nextUpdate " + h.nextUpdate()));
      }
      return 0;
    }
  }
}
