package io.kubesgx.cli;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.RevocationMode;
import io.kubesgx.verifier.VerificationCache;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx bench ...}: throughput benchmarks that print figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Throughput benchmarks of the offline verifier.", subcommands = BenchCommand.Verify.class)
final class BenchCommand {

  /** {@code kubesgx bench verify}: full verifications in one thread. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Run full quote verifications in one thread for N seconds; the last line is quotes_per_second=<number>.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--quote", required = true, paramLabel = "QUOTE_FILE", description = "Quote, binary or hex text.")
    Path quote;
    @Option(names = "--collateral", required = true, paramLabel = "COLLATERAL",
        description = "dcap-qvl style collateral JSON file, or a bundle directory (Intel QVL sample file names).")
    Path collateral;
    @Option(names = "--root", paramLabel = "ROOT_CERT",
        description = "Trust anchor certificate (DER or PEM); repeatable. Default: the pinned Intel SGX Root CA key.")
    List<Path> roots = new ArrayList<>();
    @Option(names = "--at", required = true, paramLabel = "TIME",
        description = "Evaluation time at which the collateral is valid: unix seconds or RFC 3339.")
    String at;
    @Option(names = "--seconds", paramLabel = "N", description = "Measured duration (default ${DEFAULT-VALUE}).") double seconds = 5;
    @Option(names = "--warm", description = "Reuse parsed collateral and the verification cache (signature facts keyed by exact bytes).")
    boolean warm;
    @Option(names = "--insecure-allow-missing-crls", description = "DANGEROUS: allow collateral without CRLs.") boolean noCrls;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        byte[] q = Inputs.readQuote(quote);
        Instant t = Inputs.time(at);
        String provider = CryptoProviders.installPreferred();
        boolean dir = Files.isDirectory(collateral);
        String collateralText = dir ? null : Files.readString(collateral, StandardCharsets.UTF_8);
        Collateral parsed = Inputs.readCollateral(collateral);
        QuoteVerifier.Builder b = QuoteVerifier.newBuilder().trustAnchors(Inputs.anchors(roots));
        if (noCrls) {
          b.revocationMode(RevocationMode.INSECURE_ALLOW_MISSING_CRLS);
        }
        QuoteVerifier warmVerifier = b.cache(VerificationCache.bounded(4096)).build();
        QuoteVerifier coldVerifier = b.cache(VerificationCache.none()).build();
        // One checked run first: a benchmark of a failing verification would measure nothing useful.
        (warm ? warmVerifier : coldVerifier).verify(q, parsed, t);
        long warmupNanos = (long) (Math.min(2.0, seconds / 4) * 1e9);
        long measureNanos = (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() - start < warmupNanos) {
          once(q, t, parsed, collateralText, warmVerifier, coldVerifier);
        }
        long n = 0;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = mx.getCurrentThreadCpuTime();
        start = System.nanoTime();
        long now;
        do {
          once(q, t, parsed, collateralText, warmVerifier, coldVerifier);
          n++;
          now = System.nanoTime();
        } while (now - start < measureNanos);
        double rate = n / ((now - start) / 1e9);
        double cpuSeconds = (mx.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        out.printf(Locale.ROOT, "mode=%s provider=%s java=%s verifications=%d seconds=%.2f thread_cpu_seconds=%.2f%n",
            warm ? "warm" : "cold", provider, System.getProperty("java.version"), n, (now - start) / 1e9, cpuSeconds);
        out.printf(Locale.ROOT, "quotes_per_cpu_second=%.1f%n", n / cpuSeconds);
        out.printf(Locale.ROOT, "quotes_per_second=%.1f%n", rate);
        out.flush();
        return Main.OK;
      } catch (Inputs.UsageException | IOException e) {
        err.println("error: " + e.getMessage());
        return Main.USAGE_OR_IO;
      } catch (MalformedInputException e) {
        err.println("error: collateral cannot be parsed: " + e.getMessage());
        return Main.REJECTED;
      } catch (AttestationException e) {
        err.println("error: the quote does not verify, nothing to benchmark: " + e.getMessage());
        return Main.REJECTED;
      }
    }

    private void once(byte[] q, Instant t, Collateral parsed, String collateralText, QuoteVerifier warmV, QuoteVerifier coldV)
        throws AttestationException, MalformedInputException, IOException {
      if (warm) {
        warmV.verify(q, parsed, t);
      } else {
        // Cold: collateral parsed again from its text and no cached verification reused.
        Collateral c = collateralText != null ? CollateralLoader.fromDcapQvlJson(collateralText) : CollateralLoader.load(collateral);
        coldV.verify(q, c, t);
      }
    }
  }
}
