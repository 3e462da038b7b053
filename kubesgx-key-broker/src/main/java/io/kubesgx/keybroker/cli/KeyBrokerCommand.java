package io.kubesgx.keybroker.cli;

import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.http.ServerLimits;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the key broker until SIGTERM or SIGINT. */
@Command(
    name = "key-broker",
    mixinStandardHelpOptions = true,
    subcommands = {AuditCommand.class, ReleaseCommand.class},
    description = {
      "Runs the key broker: Azure Key Vault key operations (api-version 7.4-7.6) under /keys, Secure Key Release to "
          + "enclaves whose attestation token (from a --trust-issuer) satisfies the key's release policy; /healthz, /readyz, /metrics.",
      "Plain HTTP only on a loopback address; otherwise give --tls-cert and --tls-key."
    })
public final class KeyBrokerCommand implements Callable<Integer> {
  /** Exit code for usage or I/O errors. */
  static final int USAGE_OR_IO = 2;

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "P", description = "Port (default ${DEFAULT-VALUE}).")
  int port = 8443;

  @Option(names = "--host", paramLabel = "ADDR", description = "Bind address (default ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory: SQLite database, key-encryption key, release-signing key.")
  Path stateDir;

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "File holding the admin bearer token (at least 32 bytes).")
  Path adminTokenFile;

  @Option(names = "--trust-issuer", paramLabel = "URL", description = "Attestation service whose tokens are accepted as release targets (repeatable).")
  List<String> trustIssuers = new ArrayList<>();

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key for HTTPS.")
  Path tlsKey;

  @Option(names = "--db", paramLabel = "JDBC_URL", description = "Database (default jdbc:sqlite:STATE/key-broker.db; jdbc:postgresql://… for replicas).")
  String db;

  @Option(names = "--kek-file", paramLabel = "FILE",
      description = "Key-encryption key (32 bytes). Default STATE/kek, generated (mode 0600) when absent; a given file must exist.")
  Path kekFile;

  @Option(names = "--public-url", paramLabel = "URL", description = "Vault URL used in key ids (default http(s)://HOST:P).")
  String publicUrl;

  /** Keeps the libraries' start-up chatter (pool, migrations) at warnings when slf4j-simple is the binding. */
  static void quietLibraries() {
    System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari",
        System.getProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn"));
    System.setProperty("org.slf4j.simpleLogger.log.org.flywaydb", System.getProperty("org.slf4j.simpleLogger.log.org.flywaydb", "warn"));
  }

  @Override
  public Integer call() {
    quietLibraries();
    PrintWriter err = spec.commandLine().getErr();
    // Handle SIGTERM/SIGINT from the start: a stop during start-up still closes cleanly with exit 0.
    CountDownLatch stop = new CountDownLatch(1);
    for (String sig : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
    }
    KeyBrokerServer server;
    try {
      require(stateDir, "--state-dir DIR");
      require(adminTokenFile, "--admin-token-file FILE");
      if (trustIssuers.isEmpty()) {
        throw new IllegalArgumentException("at least one --trust-issuer URL is required");
      }
      for (String i : trustIssuers) {
        TargetTokenVerifier.checkIssuerUrl(i);
      }
      if (kekFile != null && !Files.isRegularFile(kekFile)) {
        throw new IllegalArgumentException("--kek-file " + kekFile + " does not exist (omit it to use STATE/kek)");
      }
      for (Path p : new Path[] {tlsCert, tlsKey}) {
        if (p != null && !Files.isRegularFile(p)) {
          throw new IllegalArgumentException(p + " does not exist");
        }
      }
      if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
        throw new IllegalArgumentException("--state-dir " + stateDir + " is not a directory");
      }
      String token = readToken(adminTokenFile);
      KeyBrokerServer.Options o = new KeyBrokerServer.Options(host, port, stateDir, token, trustIssuers,
          Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey), Optional.ofNullable(db), Optional.ofNullable(kekFile),
          Optional.ofNullable(publicUrl), ServerLimits.defaults());
      if (!Files.exists(stateDir)) {
        err.println("key-broker: creating state directory " + stateDir);
      }
      server = KeyBrokerServer.start(o, Clock.systemUTC());
    } catch (IllegalArgumentException | IOException e) {
      err.println("key-broker: " + e.getMessage());
      return USAGE_OR_IO;
    }
    err.println("kubesgx key broker listening on " + host + ":" + server.port() + " (vault URL " + server.baseUrl()
        + ", trusted issuers " + trustIssuers + ")");
    err.flush();
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    err.println("key-broker: stopped");
    return 0;
  }

  static void require(Object value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " is required");
    }
  }

  private static String readToken(Path p) throws IOException {
    try {
      return Files.readString(p, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IOException("cannot read --admin-token-file " + p + ": " + e.getMessage(), e);
    }
  }
}
