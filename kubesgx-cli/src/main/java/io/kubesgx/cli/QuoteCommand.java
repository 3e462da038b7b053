package io.kubesgx.cli;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.quote.Quote;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.quote.TrailingDataPolicy;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.RevocationMode;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubesgx quote ...}: offline inspection and verification of DCAP quotes. */
@Command(
    name = "quote",
    mixinStandardHelpOptions = true,
    description = "Inspect and verify Intel SGX/TDX DCAP quotes offline.",
    subcommands = {QuoteCommand.Inspect.class, QuoteCommand.Verify.class})
final class QuoteCommand {

  /** Options shared by verification commands (filled by {@link VerifyOptionsMixin}). */
  static final class VerifyOptions {
    List<Path> roots = new ArrayList<>();
    boolean insecureAllowMissingCrls;
    TrailingDataPolicy trailing = TrailingDataPolicy.ZERO_PADDING;
    Long minEval;

    QuoteVerifier verifier(List<Path> rootsOverride) throws Inputs.UsageException {
      QuoteVerifier.Builder b = QuoteVerifier.newBuilder()
          .trustAnchors(Inputs.anchors(rootsOverride != null ? rootsOverride : roots))
          .trailingDataPolicy(trailing);
      if (insecureAllowMissingCrls) {
        b.revocationMode(RevocationMode.INSECURE_ALLOW_MISSING_CRLS);
      }
      if (minEval != null) {
        b.minimumTcbEvaluationDataNumber(minEval);
      }
      return b.build();
    }
  }

  /** {@code kubesgx quote inspect QUOTE_FILE}. */
  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Print every parsed field of a quote as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "QUOTE_FILE", description = "Quote, binary or hex text.")
    Path quote;

    @Option(names = "--trailing-data", paramLabel = "POLICY", description = "Bytes after the quote: ${COMPLETION-CANDIDATES} (default: INSECURE_LENIENT for inspection).")
    TrailingDataPolicy trailing = TrailingDataPolicy.INSECURE_LENIENT;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        Quote q = QuoteParser.parse(Inputs.readQuote(quote), trailing);
        out.println(Json.write(QuoteJson.inspect(q)));
        out.flush();
        return Main.OK;
      } catch (Inputs.UsageException e) {
        err.println("error: " + e.getMessage());
        return Main.USAGE_OR_IO;
      } catch (MalformedInputException e) {
        out.println(Json.write(QuoteJson.error(Reason.MALFORMED_QUOTE.name(), e.getMessage())));
        out.flush();
        return Main.REJECTED;
      }
    }
  }

  /** {@code kubesgx quote verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Verify a quote against collateral at a given time. Exit 0 verified (any TCB status), 1 rejected, 2 usage or I/O error.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--quote", paramLabel = "QUOTE_FILE", description = "Quote, binary or hex text.")
    Path quote;

    @Option(names = "--collateral", paramLabel = "COLLATERAL",
        description = "dcap-qvl style collateral JSON file, or a bundle directory (Intel QVL sample file names).")
    Path collateral;

    @Option(names = "--at", paramLabel = "TIME", description = "Evaluation time: unix seconds or RFC 3339 (default: now).")
    String at;

    @Option(names = "--json", description = "Print one JSON verdict object.")
    boolean json;

    @Option(names = "--batch", paramLabel = "LIST.jsonl",
        description = "Verify many quotes in one process; each line is {\"quote\":PATH,\"collateral\":PATH,\"root\":PATH|null,\"at\":TIME}.")
    Path batch;

    @picocli.CommandLine.Mixin VerifyOptionsMixin options;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (batch != null) {
        if (quote != null || collateral != null) {
          err.println("error: --batch cannot be combined with --quote/--collateral");
          return Main.USAGE_OR_IO;
        }
        return runBatch(out, err);
      }
      if (quote == null || collateral == null) {
        err.println("error: --quote and --collateral are required (or use --batch)");
        return Main.USAGE_OR_IO;
      }
      Verdict v = verifyOne(quote, collateral, null, at, options.opts, null);
      if (json) {
        out.println(Json.write(v.json));
      } else if (v.exit == Main.USAGE_OR_IO) {
        err.println("error: " + v.message);
      } else {
        out.println(v.human());
      }
      out.flush();
      err.flush();
      return v.exit;
    }

    private int runBatch(PrintWriter out, PrintWriter err) {
      int worst = Main.OK;
      Path base = batch.toAbsolutePath().getParent();
      try (BufferedReader r = Files.newBufferedReader(batch, StandardCharsets.UTF_8)) {
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          Verdict v;
          try {
            JsonObject o = Json.parseObject(line);
            String root = o.optString("root");
            v = verifyOne(Path.of(o.string("quote")), Path.of(o.string("collateral")),
                root == null ? null : List.of(Path.of(root)), optionalTime(o), options.opts, base);
          } catch (MalformedInputException e) {
            v = Verdict.error("line " + n + " of " + batch + " is not a valid batch entry: " + e.getMessage());
          }
          out.println(Json.write(v.json));
          worst = Math.max(worst, v.exit);
        }
        out.flush();
        return worst;
      } catch (IOException e) {
        err.println("error: cannot read batch file " + batch + ": " + e.getMessage());
        return Main.USAGE_OR_IO;
      }
    }

    private static String optionalTime(JsonObject o) throws MalformedInputException {
      JsonValue t = o.get("at");
      if (t == null || t instanceof JsonValue.JsonNull) {
        return null;
      }
      if (t instanceof JsonValue.JsonNumber) {
        return ((JsonValue.JsonNumber) t).text();
      }
      return o.string("at");
    }
  }

  /** Picocli mixin holding {@link VerifyOptions}. */
  static final class VerifyOptionsMixin {
    VerifyOptions opts = new VerifyOptions();

    @Option(names = "--root", paramLabel = "ROOT_CERT",
        description = "Trust anchor certificate (DER or PEM); repeatable. Default: the pinned Intel SGX Root CA key.")
    void roots(List<Path> r) {
      opts.roots = r;
    }

    @Option(names = "--insecure-allow-missing-crls",
        description = "DANGEROUS: verify even when the root CA CRL or PCK CRL is missing (revocation is then not checked).")
    void insecure(boolean b) {
      opts.insecureAllowMissingCrls = b;
    }

    @Option(names = "--trailing-data", paramLabel = "POLICY",
        description = "Bytes after the quote: STRICT, ZERO_PADDING (default) or INSECURE_LENIENT.")
    void trailing(TrailingDataPolicy p) {
      opts.trailing = p;
    }

    @Option(names = "--min-tcb-evaluation-data-number", paramLabel = "N",
        description = "Reject TCB info / QE identity with a lower TCB evaluation data number.")
    void minEval(long n) {
      opts.minEval = n;
    }
  }

  /** A verdict with its exit code and rendering. */
  static final class Verdict {
    final int exit;
    final JsonValue json;
    final String message;
    final VerifiedQuote verified;

    Verdict(int exit, JsonValue json, String message, VerifiedQuote verified) {
      this.exit = exit;
      this.json = json;
      this.message = message;
      this.verified = verified;
    }

    static Verdict error(String message) {
      return new Verdict(Main.USAGE_OR_IO, QuoteJson.error("USAGE_OR_IO_ERROR", message), message, null);
    }

    String human() {
      if (verified != null) {
        VerifiedQuote v = verified;
        StringBuilder sb = new StringBuilder();
        sb.append("VERIFIED ").append(v.teeType()).append(" quote v").append(v.quote().header().version())
            .append(v.isSimulated() ? " (SIMULATED platform)" : "").append('\n');
        sb.append("  TCB status:      ").append(v.status().jsonName()).append(" (").append(v.summary()).append(")\n");
        sb.append("  advisories:      ").append(v.advisoryIds().isEmpty() ? "none" : String.join(", ", v.advisoryIds())).append('\n');
        sb.append("  QE status:       ").append(v.qeStatus().jsonName()).append('\n');
        v.enclaveReport().ifPresent(b -> sb.append("  MRENCLAVE:       ").append(b.mrEnclave().hex()).append('\n')
            .append("  MRSIGNER:        ").append(b.mrSigner().hex()).append('\n')
            .append("  ISVPRODID/SVN:   ").append(b.isvProdId()).append('/').append(b.isvSvn()).append(b.isDebug() ? "  DEBUG ENCLAVE" : "").append('\n'));
        v.tdReport().ifPresent(t -> sb.append("  MRTD:            ").append(t.mrTd().hex()).append('\n'));
        sb.append("  FMSPC/PCE-ID:    ").append(v.fmspc().hex()).append('/').append(v.pceId().hex()).append('\n');
        sb.append("  collateral valid ").append(v.latestIssue()).append(" .. ").append(v.earliestExpiry()).append('\n');
        sb.append("  trust anchor:    ").append(v.trustAnchor().name());
        if (!v.isRevocationChecked()) {
          sb.append("\n  WARNING: revocation was NOT checked (CRLs missing, insecure option)");
        }
        return sb.toString();
      }
      if (exit == Main.REJECTED) {
        JsonObject o = (JsonObject) json;
        try {
          return "REJECTED " + o.string("reason") + ": " + o.string("message") + "\n  what to do: " + o.optString("hint");
        } catch (MalformedInputException e) {
          return "REJECTED: " + message;
        }
      }
      return "ERROR: " + message;
    }
  }

  /** Verifies one quote; never throws. */
  static Verdict verifyOne(Path quote, Path collateral, List<Path> roots, String at, VerifyOptions opts, Path base) {
    try {
      Path q = resolve(quote, base);
      Path c = resolve(collateral, base);
      List<Path> r = roots == null ? null : List.of(resolve(roots.get(0), base));
      Instant t = Inputs.time(at);
      QuoteVerifier verifier = opts.verifier(r);
      byte[] bytes = Inputs.readQuote(q);
      Collateral col;
      try {
        col = Inputs.readCollateral(c);
      } catch (MalformedInputException e) {
        AttestationException ae = new AttestationException(Reason.MALFORMED_COLLATERAL, e.getMessage(), e);
        return new Verdict(Main.REJECTED, QuoteJson.rejected(ae), ae.getMessage(), null);
      }
      VerifiedQuote v = verifier.verify(bytes, col, t);
      return new Verdict(Main.OK, QuoteJson.verified(v), "verified", v);
    } catch (AttestationException e) {
      return new Verdict(Main.REJECTED, QuoteJson.rejected(e), e.getMessage(), null);
    } catch (Inputs.UsageException e) {
      return Verdict.error(e.getMessage());
    }
  }

  private static Path resolve(Path p, Path base) {
    if (base == null || p.isAbsolute() || Files.exists(p)) {
      return p;
    }
    Path alt = base.resolve(p);
    return Files.exists(alt) ? alt : p;
  }
}
