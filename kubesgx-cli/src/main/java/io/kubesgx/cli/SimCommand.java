package io.kubesgx.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SgxException;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.PlatformConfig;
import io.kubesgx.sim.QuoteException;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.SimCollateral;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.sim.pcs.SimPcsServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx sim ...}: the simulated SGX platform (quotes, reports, collateral, PCS). */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "The simulated SGX platform. Its quotes and collateral are in the real DCAP formats but chain to a",
      "SIMULATION root: verifiers accept them only when that root is given explicitly (--root ROOT.der)."
    },
    subcommands = {
      SimCommand.Init.class, SimCommand.Show.class, SimCommand.QuoteCmd.class, SimCommand.CollateralCmd.class,
      SimCommand.ReportCmd.class, SimCommand.Pcs.class, SimCommand.Bench.class
    })
final class SimCommand {
  SimCommand() {}

  /** Options naming the platform directory. */
  static final class PlatformOption {
    @Option(names = "--platform", required = true, paramLabel = "DIR",
        description = "Platform directory, made by `kubesgx sim init --platform DIR`.")
    Path dir;
  }

  /** The REPORTDATA an enclave puts into its REPORT. */
  static final class ReportDataOption {
    @Option(names = "--report-data", required = true, paramLabel = "HEX", description = "REPORTDATA, up to 64 bytes (zero-padded).")
    String hex;

    Bytes value() throws Inputs.UsageException {
      return padded(Inputs.hex(hex, "--report-data", 64), 64);
    }
  }

  /** Options choosing the application enclave. */
  static final class EnclaveOptions {
    @ArgGroup(exclusive = true)
    Identity identity = new Identity();

    @Option(names = "--mrsigner", paramLabel = "HEX", description = "MRSIGNER when --mrenclave is given (default: SHA-256 of \"kubesgx simulated enclave signer\").")
    String mrSigner;

    @Option(names = "--isv-prod-id", paramLabel = "N", description = "ISVPRODID with --mrenclave (default 0).")
    int isvProdId;

    @Option(names = "--isv-svn", paramLabel = "N", description = "ISVSVN with --mrenclave (default 0).")
    int isvSvn;

    @Option(names = "--debug", description = "Run the enclave in DEBUG mode (verifiers and policies reject debug enclaves by default).")
    boolean debug;

    @Option(names = "--config-id", paramLabel = "HEX", description = "CONFIGID (up to 64 bytes, zero-padded); sets KSS.")
    String configId;

    @Option(names = "--config-svn", paramLabel = "N", description = "CONFIGSVN (default 0).")
    int configSvn;

    static final class Identity {
      @Option(names = "--mrenclave", paramLabel = "HEX", description = "MRENCLAVE of the enclave (32 bytes hex).")
      String mrEnclave;

      @Option(names = "--enclave", paramLabel = "IMAGE",
          description = "Enclave image: .sgxs (with IMAGE.sig or NAME.sig beside it when signed) or a SIGSTRUCT file.")
      Path image;
    }

    SimEnclave resolve(SimPlatform p) throws Inputs.UsageException, IOException, MalformedInputException, SgxException {
      Bytes cfg = configId == null ? Bytes.zeros(64) : padded(Inputs.hex(configId, "--config-id", 64), 64);
      if (identity != null && identity.image != null) {
        if (mrSigner != null || isvProdId != 0 || isvSvn != 0) {
          throw new Inputs.UsageException("--mrsigner, --isv-prod-id and --isv-svn apply to --mrenclave only; an image's SIGSTRUCT decides them");
        }
        if (!Files.isRegularFile(identity.image)) {
          throw new Inputs.UsageException("enclave image not found: " + identity.image);
        }
        return AppEnclave.fromImage(p.cpu(), identity.image, debug, cfg, configSvn);
      }
      AppEnclave.Builder b = AppEnclave.newBuilder().debug(debug);
      try {
        if (identity != null && identity.mrEnclave != null) {
          b.mrEnclave(Inputs.exactHex(identity.mrEnclave, "--mrenclave", 32));
        } else {
          b.mrEnclave(AppEnclave.DEFAULT_MRENCLAVE);
        }
        if (mrSigner != null) {
          b.mrSigner(Inputs.exactHex(mrSigner, "--mrsigner", 32));
        }
        b.product(isvProdId, isvSvn);
        b.config(cfg, configSvn);
      } catch (IllegalArgumentException e) {
        throw new Inputs.UsageException(e.getMessage());
      }
      return b.build();
    }
  }

  /** {@code kubesgx sim init}. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create a simulated platform with the given TCB (fails when DIR already holds one).")
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Option(names = "--fmspc", paramLabel = "HEX", description = "FMSPC, 6 bytes (default ${DEFAULT-VALUE}).")
    String fmspc = PlatformConfig.DEFAULT_FMSPC;
    @Option(names = "--cpusvn", paramLabel = "HEX", description = "CPUSVN = the 16 SGX TCB components (default ${DEFAULT-VALUE}).")
    String cpuSvn = PlatformConfig.DEFAULT_CPUSVN;
    @Option(names = "--pcesvn", paramLabel = "N", description = "PCESVN (default ${DEFAULT-VALUE}).")
    int pceSvn = PlatformConfig.DEFAULT_PCE_SVN;
    @Option(names = "--qesvn", paramLabel = "N", description = "QE ISVSVN (default ${DEFAULT-VALUE}).")
    int qeSvn = PlatformConfig.DEFAULT_QE_SVN;
    @Option(names = "--scenario", paramLabel = "NAME", description = "Initial scenario (default UpToDate).")
    String scenario = "UpToDate";
    @Option(names = "--pck-ca", paramLabel = "processor|platform",
        description = "CA of the PCK certificate: processor (single-package platform, default) or platform (multi-package).")
    String pckCa = "processor";

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        if (Files.exists(platform.dir.resolve("platform.json"))) {
          throw new Inputs.UsageException("a simulated platform already exists in " + platform.dir);
        }
        Clock clock = Clock.systemUTC();
        PlatformConfig d = SimPlatform.defaults(clock.instant());
        PlatformConfig cfg;
        try {
          cfg = new PlatformConfig(d.created(), Inputs.exactHex(fmspc, "--fmspc", 6), Bytes.fromHex("0000"),
              Inputs.exactHex(cpuSvn, "--cpusvn", 16), pceSvn, qeSvn, d.ppid(), PlatformConfig.parseCa(pckCa), scenario(scenario));
        } catch (IllegalArgumentException e) {
          throw new Inputs.UsageException(e.getMessage());
        }
        SimPlatform p = SimPlatform.openOrCreate(platform.dir, clock, cfg);
        spec.commandLine().getOut().println(describe(p).toString());
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim show}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print the platform's identity as JSON: TCB, QE TARGETINFO, QE identity, root certificate fingerprint.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        SimPlatform p = existing(platform.dir, false);
        spec.commandLine().getOut().println(describe(p).toString());
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim quote}. */
  @Command(name = "quote", mixinStandardHelpOptions = true,
      description = "Run an enclave on the platform, get its quote from the simulated QE, and write quote, collateral and root.")
  static final class QuoteCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Mixin ReportDataOption reportData;
    @Mixin EnclaveOptions enclave;
    @Option(names = "--scenario", paramLabel = "NAME", description = "Switch the platform to this scenario (stored; the PCS follows it): " + "UpToDate, SWHardeningNeeded, ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded, RevokedTcb, RevokedPck, ExpiredCollateral, TcbRecovery.")
    String scenario;
    @Option(names = "--quote-version", paramLabel = "3|4", description = "Quote version (4 carries certification data type 6). Default ${DEFAULT-VALUE}.")
    int version = 3;
    @Option(names = "--out", required = true, paramLabel = "QUOTE_FILE", description = "Binary quote output.")
    Path out;
    @Option(names = "--collateral-out", paramLabel = "COLLATERAL.json", description = "Collateral in dcap-qvl JSON.")
    Path collateralOut;
    @Option(names = "--root-out", paramLabel = "ROOT.der", description = "Simulation root CA certificate (DER).")
    Path rootOut;
    @Option(names = "--create", description = "Create the platform with default values when DIR holds none (as `sim init` would).")
    boolean create;

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        Bytes rd = reportData.value();
        SimPlatform p = create ? SimPlatform.openOrCreate(platform.dir, Clock.systemUTC()) : existing(platform.dir, true);
        if (scenario != null) {
          p = p.withScenario(scenario(scenario));
        }
        SimEnclave app = enclave.resolve(p);
        QuotingEnclave qe = p.quotingEnclave();
        Report report = p.cpu().ereport(app, qe.targetInfo(), rd);
        byte[] quote = qe.quote(report, version);
        write(out, quote);
        writeCollateral(p, collateralOut, rootOut, null);
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote " + quote.length + "-byte v" + version + " quote to " + out + " (SIMULATED platform " + p.config().fmspc().hex()
            + ", scenario " + p.scenario().cliName() + ", MRENCLAVE " + app.mrEnclave().hex() + ")");
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim collateral}. */
  @Command(name = "collateral", mixinStandardHelpOptions = true,
      description = "Write the collateral (dcap-qvl JSON) and the simulation root for quotes of the platform.")
  static final class CollateralCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Option(names = "--scenario", paramLabel = "NAME", description = "Switch the platform to this scenario first (stored).")
    String scenario;
    @Option(names = "--tcb-evaluation-data-number", paramLabel = "N", description = "An older TCB evaluation (TcbRecovery serves 17 and 18).")
    Long evaluationDataNumber;
    @Option(names = "--out", required = true, paramLabel = "COLLATERAL.json", description = "Collateral output in dcap-qvl JSON.")
    Path out;
    @Option(names = "--root-out", paramLabel = "ROOT.der", description = "Simulation root CA certificate output (DER).")
    Path rootOut;

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        SimPlatform p = open(platform.dir, scenario);
        writeCollateral(p, out, rootOut, evaluationDataNumber);
        spec.commandLine().getOut().println("wrote " + p.scenario().cliName() + " collateral to " + out);
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim report}. */
  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Write a 432-byte REPORT of an enclave on the platform, targeted at TARGETINFO (e.g. the QE's from an AESM).")
  static final class ReportCmd implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Option(names = "--target-info", required = true, paramLabel = "HEX|FILE", description = "512-byte TARGETINFO: hex, or a file (binary or hex).")
    String targetInfo;
    @Mixin ReportDataOption reportData;
    @Mixin EnclaveOptions enclave;
    @Option(names = "--out", required = true, paramLabel = "REPORT_FILE", description = "REPORT output (432 bytes, binary).")
    Path out;

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        Bytes rd = reportData.value();
        TargetInfo ti;
        try {
          ti = TargetInfo.parse(targetInfoBytes(targetInfo));
        } catch (MalformedInputException e) {
          throw new Inputs.UsageException("--target-info is not a TARGETINFO: " + e.getMessage());
        }
        SimPlatform p = existing(platform.dir, false);
        SimEnclave app = enclave.resolve(p);
        Report r = p.cpu().ereport(app, ti, rd);
        write(out, r.toBytes().toByteArray());
        spec.commandLine().getOut().println("wrote 432-byte REPORT to " + out + " (target MRENCLAVE " + ti.mrEnclave().hex() + ")");
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim pcs}. */
  @Command(name = "pcs", mixinStandardHelpOptions = true,
      description = "Serve the Intel PCS API v4 (tcb, qe/identity, pckcrl, pckcert, rootcacrl) for the platform until stopped.")
  static final class Pcs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Option(names = "--port", required = true, paramLabel = "PORT", description = "TCP port (0 picks a free one).") int port;
    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to bind (default ${DEFAULT-VALUE}).") String bind = "127.0.0.1";

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        if (port < 0 || port > 65535) {
          throw new Inputs.UsageException("--port must be 0..65535");
        }
        existing(platform.dir, false);
        // SIGTERM/SIGINT end the wait (exit 0 after closing) instead of the JVM's shutdown (exit 143).
        CountDownLatch forever = new CountDownLatch(1);
        for (String sig : new String[] {"TERM", "INT"}) {
          sun.misc.Signal.handle(new sun.misc.Signal(sig), x -> forever.countDown());
        }
        SimPcsServer s = SimPcsServer.start(platform.dir, new InetSocketAddress(InetAddress.getByName(bind), port), Clock.systemUTC());
        PrintWriter o = spec.commandLine().getOut();
        o.println("simulated PCS for " + platform.dir + " listening on " + s.baseUri());
        o.flush();
        forever.await();
        s.close();
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx sim bench}. */
  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = "Generate quotes (EREPORT, QE report check, quote signature) for N seconds; the last line is quotes_per_second=<n>.")
  static final class Bench implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin PlatformOption platform;
    @Option(names = "--seconds", paramLabel = "N", description = "Measured duration (default ${DEFAULT-VALUE}).") double seconds = 5;
    @Option(names = "--threads", paramLabel = "N", description = "Threads (default ${DEFAULT-VALUE}).") int threads = 1;
    @Option(names = "--quote-version", paramLabel = "3|4", description = "Quote version to generate (default ${DEFAULT-VALUE}).")
    int version = 3;

    @Override
    public Integer call() throws Exception {
      return run(spec, () -> {
        PrintWriter o = spec.commandLine().getOut();
        String provider = CryptoProviders.installPreferred();
        SimPlatform p = existing(platform.dir, false);
        SimEnclave app = AppEnclave.newBuilder().mrEnclave(Bytes.zeros(32)).build();
        QuotingEnclave qe = p.quotingEnclave();
        TargetInfo ti = qe.targetInfo();
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        long i = 0;
        while (System.nanoTime() < warmEnd) {
          qe.quote(p.cpu().ereport(app, ti, counter(i++)), version);
        }
        LongAdder done = new LongAdder();
        List<Thread> ts = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          int id = t;
          Thread th = new Thread(() -> {
            long n = (long) id << 40;
            try {
              while (System.nanoTime() < end) {
                qe.quote(p.cpu().ereport(app, ti, counter(n++)), version);
                done.increment();
              }
            } catch (QuoteException e) {
              throw new IllegalStateException(e);
            }
          });
          ts.add(th);
          th.start();
        }
        for (Thread th : ts) {
          th.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        o.printf("provider=%s threads=%d version=%d quotes=%d seconds=%.2f quote_bytes=%d%n", provider, threads, version,
            done.sum(), secs, qe.quoteSize(version));
        o.printf("quotes_per_second=%.1f%n", done.sum() / secs);
        return Main.OK;
      });
    }

    private static Bytes counter(long n) {
      byte[] b = new byte[64];
      for (int k = 0; k < 8; k++) {
        b[k] = (byte) (n >>> (8 * k));
      }
      return Bytes.of(b);
    }
  }

  // ---- shared helpers ----

  interface Body {
    Integer run() throws Exception;
  }

  static Integer run(CommandSpec spec, Body body) throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    try {
      CryptoProviders.installPreferred();
      return body.run();
    } catch (Inputs.UsageException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return Main.USAGE_OR_IO;
    } catch (QuoteException e) {
      err.println("error: quote refused (" + e.reason() + "): " + e.getMessage());
      return Main.REJECTED;
    } catch (SgxException e) {
      err.println("error: the simulated CPU refused (" + e.status() + "): " + e.getMessage());
      return Main.REJECTED;
    } catch (MalformedInputException e) {
      err.println("error: " + e.getMessage());
      return Main.USAGE_OR_IO;
    } catch (IOException e) {
      err.println("error: " + CliException.describe(e));
      return Main.USAGE_OR_IO;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.USAGE_OR_IO;
    }
    // anything else is a bug: Main's handler prints its stack trace
  }

  /** Opens the platform in {@code dir}, or says how to create one; never creates it. */
  static SimPlatform existing(Path dir, boolean createOption) throws Exception {
    String how = "create one with `kubesgx sim init --platform " + dir + "`" + (createOption ? " or add --create" : "");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new Inputs.UsageException("--platform " + dir + " is a file, not a platform directory; " + how);
    }
    if (!Files.exists(dir.resolve("platform.json"))) {
      throw new Inputs.UsageException("no simulated platform in " + dir + " (check the --platform spelling); " + how);
    }
    return SimPlatform.open(dir, Clock.systemUTC());
  }

  static SimPlatform open(Path dir, String scenario) throws Exception {
    SimPlatform p = existing(dir, false);
    if (scenario != null) {
      p = p.withScenario(scenario(scenario));
    }
    return p;
  }

  static Scenario scenario(String name) throws Inputs.UsageException {
    try {
      return Scenario.parse(name);
    } catch (IllegalArgumentException e) {
      throw new Inputs.UsageException(e.getMessage());
    }
  }

  static void writeCollateral(SimPlatform p, Path collateralOut, Path rootOut, Long n) throws Exception {
    if (collateralOut != null) {
      SimCollateral c;
      try {
        c = SimCollateral.of(p, p.scenario(), p.clock().instant(), n);
      } catch (IllegalArgumentException e) {
        throw new Inputs.UsageException(e.getMessage());
      }
      write(collateralOut, c.toDcapQvlJson().getBytes(StandardCharsets.UTF_8));
    }
    if (rootOut != null) {
      write(rootOut, p.rootCertificateDer().toByteArray());
    }
  }

  static void write(Path p, byte[] data) throws IOException {
    Path parent = p.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(p, data);
  }

  static Bytes padded(Bytes b, int n) {
    return b.length() == n ? b : b.concat(Bytes.zeros(n - b.length()));
  }

  static Bytes targetInfoBytes(String arg) throws Inputs.UsageException {
    Path f = Path.of(arg);
    if (arg.length() != 1024 && Files.isRegularFile(f)) {
      byte[] raw = Inputs.readFile(f, "TARGETINFO");
      if (raw.length == 512) {
        return Bytes.of(raw);
      }
      if (Hex.looksLikeHexText(raw)) {
        try {
          return Bytes.of(Hex.decodeLenientText(new String(raw, StandardCharsets.US_ASCII)));
        } catch (MalformedInputException e) {
          throw new Inputs.UsageException("TARGETINFO file " + f + " is neither 512 binary bytes nor hex: " + e.getMessage());
        }
      }
      throw new Inputs.UsageException("TARGETINFO file " + f + " has " + raw.length + " bytes; expected 512");
    }
    return Inputs.hex(arg, "--target-info", 512);
  }

  static JsonBuilder describe(SimPlatform p) throws CertificateEncodingException, NoSuchAlgorithmException {
    PlatformConfig c = p.config();
    QuotingEnclave qe = p.quotingEnclave();
    byte[] fp = MessageDigest.getInstance("SHA-256").digest(p.rootCertificate().getEncoded());
    return JsonBuilder.object()
        .put("simulated", true)
        .put("directory", p.directory().toString())
        .put("fmspc", c.fmspc().hex())
        .put("pceId", c.pceId().hex())
        .put("cpuSvn", c.cpuSvn().hex())
        .put("pceSvn", c.pceSvn())
        .put("qeSvn", c.qeSvn())
        .put("scenario", c.scenario().cliName())
        .put("created", c.created().toString())
        .put("qeMrEnclave", p.qeEnclave().mrEnclave().hex())
        .put("qeMrSigner", p.qeEnclave().mrSigner().hex())
        .put("qeTargetInfo", qe.targetInfo().toBytes().hex())
        .put("qeId", qe.qeId().hex())
        .put("attestationKey", qe.attestationKey().hex())
        .put("pckCa", c.pckCa().crlParameter())
        .put("pckSerial", p.pck().serial().toString(16))
        .put("rootSubject", p.rootCertificate().getSubjectX500Principal().getName())
        .put("rootSha256", Bytes.of(fp).hex());
  }
}
