package io.kubesgx.cli;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.io.AtomicFiles;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.pck.Certificates;
import io.kubesgx.ratls.CollateralSource;
import io.kubesgx.ratls.RaTlsCredential;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsKeyType;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.SimCollateral;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.VerifiedQuote;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx ratls cert|verify}: RA-TLS certificates (Gramine's format) issued on the simulated platform and verified. */
@Command(
    name = "ratls",
    mixinStandardHelpOptions = true,
    description = "RA-TLS certificates in Gramine's format: self-signed X.509 certificates whose extensions carry quotes binding their key (see docs/ratls.md).",
    subcommands = {RaTlsCommand.Cert.class, RaTlsCommand.Verify.class})
final class RaTlsCommand {
  /** Intel's PCS, where collateral comes from when neither --collateral nor --pcs-url is given. */
  static final String INTEL_PCS = "https://api.trustedservices.intel.com";

  RaTlsCommand() {}

  /** {@code kubesgx ratls cert}. */
  @Command(name = "cert", mixinStandardHelpOptions = true,
      description = {
        "Issue a SIMULATED RA-TLS certificate from the simulated platform in DIR.",
        "A fresh key and a self-signed certificate carrying two quotes of the enclave, in the TCG DICE tagged-evidence "
            + "and Gramine's legacy extension. Exit 0 written, 1 the simulated platform refused, 2 usage or I/O error."
      })
  static final class Cert implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin SimCommand.PlatformOption platform;
    @Mixin SimCommand.EnclaveOptions enclave;

    @Option(names = "--key-out", required = true, paramLabel = "KEY.pem",
        description = "Private key output: PKCS#8 PEM, file mode 0600.")
    Path keyOut;

    @Option(names = "--cert-out", required = true, paramLabel = "CERT.pem", description = "Certificate output (PEM).")
    Path certOut;

    @Option(names = "--key-type", paramLabel = "p384|p256", description = "Key type: p384 (Gramine's, default) or p256.")
    String keyType = "p384";

    @Option(names = "--scenario", paramLabel = "NAME",
        description = "Switch the platform to this TCB scenario first (stored, as `sim quote --scenario`).")
    String scenario;

    @Option(names = "--not-before", paramLabel = "TIME",
        description = "Certificate validity start: unix seconds or RFC 3339 (default Gramine's 2001-01-01T00:00:00Z).")
    String notBefore;

    @Option(names = "--not-after", paramLabel = "TIME",
        description = "Certificate validity end: unix seconds or RFC 3339 (default Gramine's 2030-12-31T23:59:59Z).")
    String notAfter;

    @Option(names = "--collateral-out", paramLabel = "COLLATERAL.json",
        description = "Also write the platform's collateral (dcap-qvl JSON) for `ratls verify --collateral`.")
    Path collateralOut;

    @Option(names = "--root-out", paramLabel = "ROOT.der",
        description = "Also write the simulation root CA certificate (DER) for `ratls verify --root`.")
    Path rootOut;

    @Option(names = "--force", description = "Replace output files that already exist (default: refuse).")
    boolean force;

    @Override
    public Integer call() throws Exception {
      return SimCommand.run(spec, () -> {
        RaTlsKeyType type = keyType(keyType);
        List<Path> outs = new ArrayList<>(List.of(keyOut, certOut));
        if (collateralOut != null) {
          outs.add(collateralOut);
        }
        if (rootOut != null) {
          outs.add(rootOut);
        }
        checkOutputs(outs, force);
        Instant nb = notBefore == null ? null : Inputs.time(notBefore);
        Instant na = notAfter == null ? null : Inputs.time(notAfter);
        requirePlatform(platform.dir);
        SimPlatform p = SimCommand.open(platform.dir, scenario);
        SimEnclave app = enclave.resolve(p);
        RaTlsIssuer.Builder b = RaTlsIssuer.builder()
            .quoteProvider(SimQuoteProvider.create(p, app))
            .keyType(type)
            .clock(Clock.systemUTC());
        if (nb != null || na != null) {
          Instant from = nb == null ? RaTlsIssuer.DEFAULT_NOT_BEFORE : nb;
          Instant to = na == null ? RaTlsIssuer.DEFAULT_NOT_AFTER : na;
          if (from.getEpochSecond() >= to.getEpochSecond()) {
            throw new Inputs.UsageException("--not-before " + from + " must be before --not-after " + to);
          }
          b.validity(from, to);
        }
        RaTlsCredential c;
        try {
          c = b.build().issue();
        } catch (RaTlsException e) {
          spec.commandLine().getErr().println("error: " + e.getMessage());
          return e.reason() == RaTlsException.Reason.BAD_CONFIGURATION ? Main.USAGE_OR_IO : Main.REJECTED;
        }
        byte[] keyPem = Pem.encode("PRIVATE KEY", Bytes.of(c.privateKey().getEncoded())).getBytes(StandardCharsets.US_ASCII);
        AtomicFiles.write(keyOut, keyPem, true);
        AtomicFiles.write(certOut, Pem.encode("CERTIFICATE", Bytes.of(c.certificate().getEncoded())).getBytes(StandardCharsets.US_ASCII), false);
        if (collateralOut != null) {
          SimCollateral col;
          try {
            col = SimCollateral.of(p, p.scenario(), p.clock().instant(), null);
          } catch (IllegalArgumentException e) {
            throw new Inputs.UsageException(e.getMessage());
          }
          AtomicFiles.write(collateralOut, col.toDcapQvlJson().getBytes(StandardCharsets.UTF_8), false);
        }
        if (rootOut != null) {
          AtomicFiles.write(rootOut, p.rootCertificateDer().toByteArray(), false);
        }
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote SIMULATED RA-TLS certificate " + certOut + " (" + describeKey(c.certificate().getPublicKey())
            + " key in " + keyOut + ", mode 0600)");
        o.println("  enclave: MRENCLAVE " + app.mrEnclave().hex() + ", MRSIGNER " + app.mrSigner().hex()
            + ((app.attributes().flags() & Attributes.DEBUG) != 0 ? ", DEBUG" : "") + "; platform " + p.config().fmspc().hex() + ", scenario " + p.scenario().cliName());
        o.println("  quotes chain to the SIMULATION root: verify with `kubesgx ratls verify --cert " + certOut
            + (collateralOut == null ? " --collateral COLLATERAL.json" : " --collateral " + collateralOut)
            + (rootOut == null ? " --root ROOT.der" : " --root " + rootOut) + "`");
        o.flush();
        return Main.OK;
      });
    }
  }

  /** {@code kubesgx ratls verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {
        "Verify an RA-TLS certificate as Gramine's verifier decides.",
        "The DICE extension when present (else the legacy one), the quote's binding to the certificate key, the quote "
            + "(collateral from --collateral, else fetched from --pcs-url, default Intel's PCS), then the policy. "
            + "The certificate's own signature and dates are not checked (as in Gramine). "
            + "Exit 0 verified, 1 rejected, 2 usage or I/O error (also when collateral cannot be fetched)."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--cert", required = true, paramLabel = "CERT", description = "The RA-TLS certificate, PEM or DER.")
    Path cert;

    @Option(names = "--collateral", paramLabel = "COLLATERAL",
        description = "Collateral as `quote verify` accepts it (dcap-qvl JSON file or bundle directory); default: fetched from --pcs-url.")
    Path collateral;

    @Option(names = "--pcs-url", paramLabel = "URL",
        description = "Intel PCS or PCCS base URL to fetch collateral from when --collateral is absent (default " + INTEL_PCS + ").")
    String pcsUrl;

    @Option(names = "--mrenclave", paramLabel = "HEX", description = "Accept this MRENCLAVE (repeatable; default any).")
    List<String> mrEnclaves = new ArrayList<>();

    @Option(names = "--mrsigner", paramLabel = "HEX", description = "Accept this MRSIGNER (repeatable; default any).")
    List<String> mrSigners = new ArrayList<>();

    @Option(names = "--isv-prod-id", paramLabel = "N", description = "Require this ISVPRODID (default any).")
    Integer isvProdId;

    @Option(names = "--min-isv-svn", paramLabel = "N", description = "Require ISVSVN N or higher (default any).")
    Integer minIsvSvn;

    @Option(names = "--allow-outdated-tcb-insecure",
        description = "DANGEROUS: accept OutOfDate TCB and expired collateral (Gramine's RA_TLS_ALLOW_OUTDATED_TCB_INSECURE).")
    boolean allowOutdatedTcb;

    @Option(names = "--allow-hw-config-needed",
        description = "Accept ConfigurationNeeded TCB (Gramine's RA_TLS_ALLOW_HW_CONFIG_NEEDED).")
    boolean allowHwConfigNeeded;

    @Option(names = "--allow-sw-hardening-needed",
        description = "Accept SWHardeningNeeded TCB (Gramine's RA_TLS_ALLOW_SW_HARDENING_NEEDED).")
    boolean allowSwHardeningNeeded;

    @Option(names = "--allow-debug-enclave-insecure",
        description = "DANGEROUS: accept a debug enclave, whose memory the host can read (Gramine's RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE).")
    boolean allowDebugEnclave;

    @Option(names = "--at", paramLabel = "TIME", description = "Evaluation time: unix seconds or RFC 3339 (default: now).")
    String at;

    @Option(names = "--json", description = "Print one JSON verdict object.")
    boolean json;

    @Mixin QuoteCommand.VerifyOptionsMixin options;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      CryptoProviders.installPreferred();
      int exit;
      try {
        exit = verify(out);
      } catch (Inputs.UsageException e) {
        exit = usageError(out, err, e.getMessage());
      } catch (CliException e) {
        exit = usageError(out, err, e.getMessage());
      }
      out.flush();
      err.flush();
      return exit;
    }

    private int usageError(PrintWriter out, PrintWriter err, String message) {
      if (json) {
        out.println(Json.write(QuoteJson.error("USAGE_OR_IO_ERROR", message)));
      }
      err.println("error: " + message);
      return Main.USAGE_OR_IO;
    }

    private int verify(PrintWriter out) throws Inputs.UsageException {
      X509Certificate certificate = readCertificate(cert);
      RaTlsPolicy policy = policy();
      Clock clock = at == null ? Clock.systemUTC() : Clock.fixed(Inputs.time(at), ZoneOffset.UTC);
      QuoteVerifier quoteVerifier = options.opts.verifier(null);
      if (collateral != null && pcsUrl != null) {
        throw new Inputs.UsageException("give either --collateral or --pcs-url, not both");
      }
      CollateralService service = null;
      try {
        CollateralSource source;
        if (collateral != null) {
          Collateral c;
          try {
            c = Inputs.readCollateral(collateral);
          } catch (MalformedInputException e) {
            throw new Inputs.UsageException("--collateral " + collateral + " is not collateral (dcap-qvl JSON or a bundle directory): "
                + e.getMessage(), e);
          }
          source = CollateralSource.fixed(c);
        } else {
          service = CollateralService.builder().baseUrl(pcsUri(pcsUrl == null ? INTEL_PCS : pcsUrl)).clock(clock).build();
          source = CollateralSource.service(service);
        }
        RaTlsVerifier verifier = RaTlsVerifier.builder()
            .quoteVerifier(quoteVerifier)
            .collateral(source)
            .policy(policy)
            .clock(clock)
            .build();
        VerifiedRaTls v;
        try {
          v = verifier.verify(certificate);
        } catch (RaTlsException e) {
          int exit = exitCode(e);
          if (json) {
            out.println(Json.write(rejectedJson(e)));
          } else {
            out.println((exit == Main.REJECTED ? "REJECTED (" : "ERROR (") + e.reason() + ") at " + e.getMessage()
                + "\n  what to do: " + hint(e));
          }
          return exit;
        }
        if (json) {
          out.println(Json.write(verifiedJson(v)));
        } else {
          out.println(human(v));
        }
        return Main.OK;
      } finally {
        if (service != null) {
          service.close();
        }
      }
    }

    private RaTlsPolicy policy() throws Inputs.UsageException {
      return new RaTlsPolicy(hexSet(mrEnclaves, "--mrenclave"), hexSet(mrSigners, "--mrsigner"),
          u16(isvProdId, "--isv-prod-id"), u16(minIsvSvn, "--min-isv-svn"),
          allowOutdatedTcb, allowHwConfigNeeded, allowSwHardeningNeeded, allowDebugEnclave);
    }
  }

  // ---- helpers ----

  /** Exit 2 for configuration and collateral-fetch problems (nothing was decided), 1 for a rejection. */
  static int exitCode(RaTlsException e) {
    if (e.step() == RaTlsException.Step.INIT) {
      return Main.USAGE_OR_IO;
    }
    switch (e.reason()) {
      case BAD_CONFIGURATION:
      case COLLATERAL_UNAVAILABLE:
        return Main.USAGE_OR_IO;
      default:
        return Main.REJECTED;
    }
  }

  /** What the user can do about a failure: the DCAP verifier's hint when the quote failed, else ours. */
  static String hint(RaTlsException e) {
    if (e.quoteReason().isPresent()) {
      return e.quoteReason().get().hint();
    }
    switch (e.reason()) {
      case MALFORMED_CERTIFICATE:
        return "the file is not a usable X.509 certificate; give the peer's RA-TLS certificate (PEM or DER)";
      case NO_EVIDENCE:
        return "the certificate carries neither the DICE tagged-evidence nor the legacy quote extension: it is not an RA-TLS certificate";
      case MALFORMED_EVIDENCE:
        return "the RA-TLS extension does not decode; the peer's RA-TLS library writes a format we do not accept (see docs/ratls.md)";
      case UNSUPPORTED_KEY:
        return "RA-TLS certificates must carry an EC P-384 or P-256 key";
      case KEY_NOT_BOUND:
        return "the quote does not bind the certificate's key: do not trust this certificate (its key was not made by the quoted enclave)";
      case COLLATERAL_UNAVAILABLE:
        return "give --collateral FILE, or --pcs-url of a reachable PCS/PCCS that serves the platform's FMSPC";
      case TCB_STATUS_NOT_ALLOWED:
        return "update the platform, or accept its TCB status knowingly with the matching --allow-… option";
      case DEBUG_ENCLAVE:
        return "run the enclave in production mode; --allow-debug-enclave-insecure accepts it for testing only";
      case BAD_ENCLAVE_ATTRIBUTES:
        return "the enclave's attributes are not those of an initialised 64-bit application enclave; do not trust it";
      case MRENCLAVE_MISMATCH:
        return "the peer runs another enclave build; add its MRENCLAVE with --mrenclave only if you trust that build";
      case MRSIGNER_MISMATCH:
        return "the enclave is signed by another key; add its MRSIGNER with --mrsigner only if you trust that signer";
      case PRODUCT_ID_MISMATCH:
        return "the enclave is another product of its signer; check --isv-prod-id";
      case SVN_TOO_LOW:
        return "the enclave's security version is older than --min-isv-svn; update the enclave";
      default:
        return "see docs/ratls.md for step " + e.step();
    }
  }

  static JsonValue rejectedJson(RaTlsException e) {
    JsonBuilder o = JsonBuilder.object()
        .put("verified", false)
        .put("step", e.step().name())
        .put("reason", e.reason().name());
    e.quoteReason().ifPresent(r -> o.put("quoteReason", r.name()));
    return o.put("message", e.getMessage()).put("hint", hint(e)).build();
  }

  static JsonValue verifiedJson(VerifiedRaTls v) {
    PublicKey k = v.boundKey();
    return QuoteJson.verifiedFields(v.quote())
        .put("extension", v.extension().name().toLowerCase(Locale.ROOT))
        .put("boundKey", JsonBuilder.object()
            .put("type", k.getAlgorithm())
            .put("curve", curve(k))
            .put("spkiSha256", sha256(k.getEncoded()).hex())
            .build())
        .put("certificateSha256", Bytes.of(v.certificateSha256()).hex())
        .put("validUntil", v.validUntil().toString())
        .build();
  }

  static String human(VerifiedRaTls v) {
    VerifiedQuote q = v.quote();
    PublicKey k = v.boundKey();
    StringBuilder sb = new StringBuilder();
    sb.append("VERIFIED RA-TLS certificate (").append(v.extension().name().toLowerCase(Locale.ROOT)).append(" extension")
        .append(q.isSimulated() ? ", SIMULATED platform" : "").append(")\n");
    sb.append("  bound key:       ").append(describeKey(k)).append(", SPKI SHA-256 ").append(sha256(k.getEncoded()).hex()).append('\n');
    sb.append("  certificate:     SHA-256 ").append(Bytes.of(v.certificateSha256()).hex()).append('\n');
    sb.append("  valid until:     ").append(v.validUntil()).append(" (earliest collateral expiry)\n");
    sb.append(new QuoteCommand.Verdict(Main.OK, null, "verified", q).human());
    return sb.toString();
  }

  static String curve(PublicKey k) {
    if (k instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits == 384 ? "P-384" : bits == 256 ? "P-256" : "EC-" + bits;
    }
    return k.getAlgorithm();
  }

  static String describeKey(PublicKey k) {
    return k.getAlgorithm() + " " + curve(k);
  }

  static Bytes sha256(byte[] data) {
    try {
      return Bytes.of(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  static RaTlsKeyType keyType(String text) throws Inputs.UsageException {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "p384":
      case "p-384":
        return RaTlsKeyType.P384;
      case "p256":
      case "p-256":
        return RaTlsKeyType.P256;
      default:
        throw new Inputs.UsageException("--key-type must be p384 or p256, not '" + text + "'");
    }
  }

  /** Refuses an output that exists (without --force), is a directory, or lies in a directory that does not exist. */
  static void checkOutputs(List<Path> outs, boolean force) throws Inputs.UsageException {
    Set<Path> seen = new LinkedHashSet<>();
    for (Path p : outs) {
      if (!seen.add(p.toAbsolutePath().normalize())) {
        throw new Inputs.UsageException("output file " + p + " is given twice; each output needs its own file");
      }
      if (Files.isDirectory(p)) {
        throw new Inputs.UsageException("output " + p + " is a directory; give a file name");
      }
      Path parent = p.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new Inputs.UsageException("output " + p + ": directory " + parent + " does not exist (create it first)");
      }
      if (!force && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new Inputs.UsageException(p + " already exists; choose another path or pass --force");
      }
    }
  }

  /** Refuses a platform directory that holds no simulated platform, saying how to make one; never creates it. */
  static void requirePlatform(Path dir) throws Inputs.UsageException {
    String how = "create one with `bin/kubesgx sim init --platform " + dir + "`";
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new Inputs.UsageException("--platform " + dir + " is a file, not a platform directory; " + how);
    }
    if (!Files.isRegularFile(dir.resolve("platform.json"))) {
      throw new Inputs.UsageException("no simulated platform in " + dir + " (check the --platform spelling); " + how);
    }
  }

  /** Reads one certificate, PEM or DER; garbage or a file of several certificates is a usage error. */
  static X509Certificate readCertificate(Path p) throws Inputs.UsageException {
    byte[] b = Inputs.readFile(p, "certificate");
    List<X509Certificate> certs;
    try {
      certs = Certificates.parseAll(b);
    } catch (MalformedInputException e) {
      throw new Inputs.UsageException("--cert " + p + " is not an X.509 certificate (PEM or DER expected): " + e.getMessage(), e);
    }
    if (certs.size() != 1) {
      throw new Inputs.UsageException("--cert " + p + " must hold exactly one certificate, found " + certs.size());
    }
    return certs.get(0);
  }

  static Optional<Set<String>> hexSet(List<String> values, String option) throws Inputs.UsageException {
    if (values == null || values.isEmpty()) {
      return Optional.empty();
    }
    Set<String> s = new LinkedHashSet<>();
    for (String v : values) {
      s.add(Inputs.exactHex(v, option, 32).hex().toLowerCase(Locale.ROOT));
    }
    return Optional.of(Set.copyOf(s));
  }

  static OptionalInt u16(Integer v, String option) throws Inputs.UsageException {
    if (v == null) {
      return OptionalInt.empty();
    }
    if (v < 0 || v > 0xffff) {
      throw new Inputs.UsageException(option + " must be 0..65535, got " + v);
    }
    return OptionalInt.of(v);
  }

  static URI pcsUri(String text) throws Inputs.UsageException {
    try {
      URI u = new URI(text);
      if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http")) || u.getRawAuthority() == null) {
        throw new Inputs.UsageException("--pcs-url must be an http(s) URL such as " + INTEL_PCS + ", not '" + text + "'");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new Inputs.UsageException("--pcs-url is not a URL: " + e.getMessage(), e);
    }
  }
}
