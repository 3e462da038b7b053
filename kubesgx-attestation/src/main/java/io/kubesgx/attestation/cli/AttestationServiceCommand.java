package io.kubesgx.attestation.cli;

import io.kubesgx.attestation.policy.BearerToken;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.attestation.token.SigningAlgorithm;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.http.HttpLimits;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the MAA-compatible attestation service until interrupted. */
@Command(
    name = "attestation-service",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the MAA-compatible attestation service: POST /attest/SgxEnclave and /attest/OpenEnclave, "
          + "GET|PUT /policies/{type}, POST /policies/{type}:reset, /.well-known/openid-configuration, /certs, "
          + "/healthz, /readyz, /metrics.",
      "With --sim DIR it trusts the SIMULATED platform in DIR and fetches its collateral from that platform's PCS."
    })
public final class AttestationServiceCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "P", description = "TCP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int port = 8080;

  @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 in a pod).")
  String host = "127.0.0.1";

  /** The spelling older docs used for {@code --bind}. */
  @Option(names = "--host", paramLabel = "ADDR", hidden = true, description = "Old name of --bind.")
  void host(String h) {
    host = h;
  }

  @Option(names = "--public-url", paramLabel = "URL",
      description = "URL put into iss and the discovery document (default http://127.0.0.1:P, https with --tls-cert).")
  String publicUrl;

  @Option(names = "--sim", paramLabel = "DIR",
      description = "Simulated platform directory (as for `kubesgx sim quote --platform DIR`): trust its root, use its PCS.")
  Path sim;

  @Option(names = "--pcs-url", paramLabel = "URL", description = "Intel PCS or PCCS base URL (default ${DEFAULT-VALUE}).")
  URI pcsUrl = ServerOptions.INTEL_PCS;

  @Option(names = "--pcs-api-key-file", paramLabel = "FILE", description = "File holding the Intel PCS subscription key.")
  Path pcsApiKeyFile;

  @Option(names = "--collateral-cache", paramLabel = "DIR", description = "On-disk collateral cache (default STATE/collateral).")
  Path collateralCache;

  @Option(names = "--collateral-bundle", paramLabel = "FILE", description = "Offline collateral bundle to import at start (repeatable).")
  List<Path> bundles = new ArrayList<>();

  @Option(names = "--offline", description = "Never contact the PCS; serve cache and bundles only.")
  boolean offline;

  @Option(names = "--trust-root", paramLabel = "CERT", description = "Extra root certificate to trust besides Intel's (repeatable).")
  List<Path> trustRoots = new ArrayList<>();

  @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory: SQLite database and keys (default ~/.kubesgx/attestation).")
  Path stateDir;

  @Option(names = "--db", paramLabel = "JDBC_URL", description = "Policy database (default jdbc:sqlite:STATE/attestation.db; jdbc:postgresql://… for replicas).")
  String db;

  @Option(names = "--db-user", paramLabel = "USER", description = "Database user.")
  String dbUser;

  @Option(names = "--db-password-file", paramLabel = "FILE", description = "File holding the database password.")
  Path dbPasswordFile;

  @Option(names = "--keys", paramLabel = "DIR", description = "Signing-key directory (default STATE/keys).")
  Path keys;

  @Option(names = "--keys-read-only", description = "The key directory is a mounted Secret: use it, never write it.")
  boolean keysReadOnly;

  @Option(names = "--signing-alg", paramLabel = "RS256|ES256", description = "Algorithm of new signing keys (default ${DEFAULT-VALUE}).")
  String signingAlg = "RS256";

  @Option(names = "--rotate-keys-every", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Rotate the signing key this often (e.g. 90d); the old key stays in the JWKS until its tokens expire.")
  Duration rotateEvery;

  @Option(names = "--token-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Token lifetime (default 8h); a token never outlives the collateral its quote was verified with.")
  Duration tokenLifetime = Duration.ofHours(8);

  @Option(names = "--policy-signer", paramLabel = "CERT", description = "Certificate whose signed policies are accepted (repeatable).")
  List<Path> policySigners = new ArrayList<>();

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "File holding the bearer token for policy changes.")
  Path adminTokenFile;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key for HTTPS.")
  Path tlsKey;

  @Option(names = "--workers", paramLabel = "N", description = "Worker threads (default: CPUs, at least 2).")
  Integer workers;

  @Option(names = "--queue", paramLabel = "N",
      description = "Requests that may wait for a worker; more are answered 429 (default ${DEFAULT-VALUE}).")
  int queue = 512;

  @Option(names = "--max-connections", paramLabel = "N",
      description = "Open connections at most; more are closed at once (default ${DEFAULT-VALUE}).")
  int maxConnections = HttpLimits.defaults().maxConnections();

  @Option(names = "--header-deadline", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "A connection must send a complete request head within this time of opening or of its last answer (default 10s).")
  Duration headerDeadline = HttpLimits.defaults().headerDeadline();

  @Option(names = "--request-deadline", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "A request must be received in full and answered within this time of its head: 408 or 503 after it (default 30s).")
  Duration requestDeadline = HttpLimits.defaults().requestDeadline();

  @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest request body: 413 above (default ${DEFAULT-VALUE}).")
  int maxBodyBytes = HttpLimits.defaults().maxBodyBytes();

  @Option(names = "--body-budget-bytes", paramLabel = "N",
      description = "Request-body bytes held in memory across all requests: 503 with Retry-After beyond (default ${DEFAULT-VALUE}).")
  long bodyBudgetBytes = HttpLimits.defaults().bodyBudgetBytes();

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    checkArguments();
    // SIGTERM/SIGINT end the wait below instead of starting the JVM's shutdown (whose exit status
    // would be 143): the server is closed in order and the command returns 0.
    CountDownLatch stop = new CountDownLatch(1);
    for (String sig : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
    }
    String provider = CryptoProviders.installPreferred();
    Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".kubesgx", "attestation");
    ServerOptions d = ServerOptions.defaults(port, state);
    HttpLimits limits;
    Optional<String> adminToken;
    try {
      limits = new HttpLimits(maxConnections, HttpLimits.defaults().maxStreamsPerConnection(), headerDeadline,
          requestDeadline, maxBodyBytes, bodyBudgetBytes);
      adminToken = Optional.ofNullable(adminTokenFile).map(AttestationServiceCommand::readSecret)
          .map(BearerToken::checkAdminToken);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage()
          + (adminTokenFile != null && e.getMessage().contains("admin token") ? " (in --admin-token-file " + adminTokenFile + ")" : ""));
    }
    ServerOptions o = new ServerOptions(
        host, port, Optional.ofNullable(publicUrl), Optional.ofNullable(sim), pcsUrl,
        Optional.ofNullable(pcsApiKeyFile).map(AttestationServiceCommand::readSecret),
        Optional.of(collateralCache != null ? collateralCache : state.resolve("collateral")),
        bundles, offline, trustRoots, state, Optional.ofNullable(db), Optional.ofNullable(dbUser),
        Optional.ofNullable(dbPasswordFile).map(AttestationServiceCommand::readSecret),
        Optional.ofNullable(keys), keysReadOnly, SigningAlgorithm.parse(signingAlg), Optional.ofNullable(rotateEvery),
        tokenLifetime, policySigners, adminToken,
        Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey), workers != null ? workers : d.workers(), queue,
        limits);
    AttestationServer server;
    try {
      server = AttestationServer.start(o, Clock.systemUTC());
    } catch (java.net.BindException e) {
      throw portInUse(e);
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.net.BindException b) {
          throw portInUse(b);
        }
        if (t.getMessage() != null && t.getMessage().contains("Address already in use")) {
          throw portInUse(new java.net.BindException(t.getMessage()));
        }
      }
      throw e;
    }
    System.err.println("kubesgx attestation service listening on " + host + ":" + server.port()
        + " (issuer " + server.baseUrl() + ", crypto " + provider + ", "
        + (sim != null ? "SIMULATED platform " + sim + " trusted, PCS " + server.simPcsUrl().orElseThrow() : "PCS " + pcsUrl)
        + ")");
    System.err.println("  discovery: " + server.baseUrl() + "/.well-known/openid-configuration");
    stop.await();
    System.err.println("kubesgx attestation service: stopping (signal received)");
    server.close();
    return 0;
  }

  private CliException portInUse(java.net.BindException e) {
    return CliException.io("cannot listen on " + host + ":" + port + " (" + e.getMessage()
        + "): choose a free --port (0 picks one) or another --bind address");
  }

  /** Checks what can be checked before anything starts, so that each mistake gets one clear line. */
  private void checkArguments() {
    if (port < 0 || port > 65535) {
      throw CliException.usage("--port must be 0..65535, not " + port);
    }
    try {
      SigningAlgorithm.parse(signingAlg);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--signing-alg must be RS256 or ES256, not '" + signingAlg + "'");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw CliException.usage(tlsCert == null ? "--tls-key needs --tls-cert (the certificate chain for HTTPS)"
          : "--tls-cert needs --tls-key (the private key for HTTPS)");
    }
    if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
      throw CliException.usage("--token-lifetime must be positive");
    }
    if (rotateEvery != null && (rotateEvery.isNegative() || rotateEvery.isZero())) {
      throw CliException.usage("--rotate-keys-every must be positive");
    }
    if (workers != null && workers < 1) {
      throw CliException.usage("--workers must be at least 1");
    }
    if (queue < 0) {
      throw CliException.usage("--queue must not be negative");
    }
    readableFile(tlsCert, "--tls-cert");
    readableFile(tlsKey, "--tls-key");
    readableFile(pcsApiKeyFile, "--pcs-api-key-file");
    readableFile(dbPasswordFile, "--db-password-file");
    readableFile(adminTokenFile, "--admin-token-file");
    bundles.forEach(b -> readableFile(b, "--collateral-bundle"));
    trustRoots.forEach(r -> readableFile(r, "--trust-root"));
    policySigners.forEach(c -> readableFile(c, "--policy-signer"));
    directoryOrAbsent(stateDir, "--state-dir");
    directoryOrAbsent(keys, "--keys");
    directoryOrAbsent(collateralCache, "--collateral-cache");
    if (port != 0) {
      // Fail before generating keys or opening the database when the port is taken.
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.bind(new java.net.InetSocketAddress(host, port));
      } catch (java.net.BindException e) {
        throw portInUse(e);
      } catch (java.io.IOException e) {
        throw CliException.io("--bind " + host + " --port " + port, e);
      }
    }
    if (sim != null) {
      if (!Files.isDirectory(sim)) {
        throw CliException.usage("--sim " + sim + (Files.exists(sim) ? " is a file, not a platform directory"
            : " does not exist") + "; create a simulated platform with: kubesgx sim init --platform " + sim);
      }
      if (!Files.isRegularFile(sim.resolve("platform.json"))) {
        throw CliException.usage("--sim " + sim + " holds no simulated platform (no platform.json); create one with: "
            + "kubesgx sim init --platform " + sim);
      }
    }
  }

  /** A file option must name a readable regular file. */
  static void readableFile(Path p, String option) {
    if (p == null) {
      return;
    }
    if (Files.isDirectory(p)) {
      throw CliException.usage(option + " " + p + " is a directory; give a file");
    }
    if (!Files.exists(p)) {
      throw CliException.usage(option + " " + p + ": no such file");
    }
    if (!Files.isReadable(p)) {
      throw CliException.io(option + " " + p + ": permission denied");
    }
  }

  /** A directory option must name a directory or nothing yet (it is then created). */
  static void directoryOrAbsent(Path p, String option) {
    if (p != null && Files.exists(p) && !Files.isDirectory(p)) {
      throw CliException.usage(option + " " + p + " is a file; give a directory");
    }
  }

  private static String readSecret(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8).strip();
    } catch (java.io.IOException e) {
      throw CliException.io("cannot read " + p, e);
    }
  }

  /** Parses durations such as {@code 90d}, {@code 8h}, {@code 30m}, {@code 45s} or ISO-8601 {@code PT8H}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
      String t = s.trim().toLowerCase(Locale.ROOT);
      if (t.startsWith("p")) {
        try {
          return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
          throw new picocli.CommandLine.TypeConversionException("'" + s + "' is not an ISO-8601 duration such as PT8H");
        }
      }
      if (t.length() < 2) {
        throw new picocli.CommandLine.TypeConversionException("use a number with a unit: 90d, 8h, 30m or 45s");
      }
      long n;
      try {
        n = Long.parseLong(t.substring(0, t.length() - 1));
      } catch (NumberFormatException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + s + "' is not a duration: use a number with a unit (90d, 8h, 30m, 45s)");
      }
      return switch (t.charAt(t.length() - 1)) {
        case 'd' -> Duration.ofDays(n);
        case 'h' -> Duration.ofHours(n);
        case 'm' -> Duration.ofMinutes(n);
        case 's' -> Duration.ofSeconds(n);
        default -> throw new picocli.CommandLine.TypeConversionException("unknown unit in " + s + "; use d, h, m or s");
      };
    }
  }
}
