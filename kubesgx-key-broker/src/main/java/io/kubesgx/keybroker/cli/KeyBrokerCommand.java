package io.kubesgx.keybroker.cli;

import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.kbs.KbsOptions;
import io.kubesgx.keybroker.http.RateLimits;
import io.kubesgx.keybroker.http.ServerLimits;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import io.kubesgx.keybroker.secretprov.SecretProvOptions;
import io.kubesgx.keybroker.secretprov.SecretProvisioner;
import io.kubesgx.keybroker.tenant.TenantPath;
import io.kubesgx.keybroker.tenant.KubernetesIssuer;
import io.kubesgx.keybroker.tenant.Tenants;
import io.kubesgx.keybroker.tenant.TenantsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
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
    subcommands = {AuditCommand.class, KekCommand.class, ReleaseCommand.class},
    description = {
      "Runs the key broker: Azure Key Vault key operations (api-version 7.4-7.6) under /keys, Secure Key Release to "
          + "enclaves whose attestation token (from a --trust-issuer) satisfies the key's release policy; /healthz, /readyz, /metrics.",
      "Secrets under /secrets (Key Vault secrets API plus release_policy and x-kubesgx-kbs-resource), released to attested SGX "
          + "enclaves over the Trustee KBS protocol 0.4.0 under /kbs/v0 (quotes verified here, collateral from --pcs-url or --sim).",
      "With --secret-prov-port, Gramine enclaves (SECRET_PROVISION_SERVERS) get the secret tagged x-kubesgx-secret-prov=true "
          + "whose release policy their RA-TLS certificate satisfies, over Gramine's secret-provisioning protocol.",
      "Plain HTTP only on a loopback address; otherwise give --tls-cert and --tls-key.",
      "Other tenants (--tenants-file) are served under /t/TENANT/keys; Kubernetes service-account tokens are accepted "
          + "with --k8s-issuer.",
      "SIGHUP re-reads --kek-file and --previous-kek-file (KEK rotation without restart, then 'key-broker kek rotate')."
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

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the default tenant's admin bearer token (at least 32 bytes); optional with --tenants-file.")
  Path adminTokenFile;

  @Option(names = "--trust-issuer", paramLabel = "URL",
      description = "Attestation service whose tokens the default tenant accepts as release targets (repeatable).")
  List<String> trustIssuers = new ArrayList<>();

  @Option(names = "--tenants-file", paramLabel = "FILE",
      description = "JSON file of tenants: admin token files, trusted issuers, service-account role bindings (see docs/key-broker.md).")
  Path tenantsFile;

  @Option(names = "--k8s-issuer", paramLabel = "URL",
      description = "Accept Kubernetes service-account tokens from this cluster issuer (OIDC discovery + JWKS).")
  String k8sIssuer;

  @Option(names = "--k8s-audience", paramLabel = "AUD",
      description = "Audience service-account tokens must carry (default " + KubernetesIssuer.DEFAULT_AUDIENCE + ").")
  String k8sAudience;

  @Option(names = "--issuer-ca-file", paramLabel = "PEM",
      description = "PEM CA certificates trusted, besides the JVM's, for HTTPS to --trust-issuer, tenants' issuers and "
          + "--k8s-issuer (repeatable; e.g. a cert-manager CA or /var/run/secrets/kubernetes.io/serviceaccount/ca.crt).")
  List<Path> issuerCaFiles = new ArrayList<>();

  @Option(names = "--caller-requests-per-second", paramLabel = "N",
      description = "Requests per second per caller, bursts of twice that (default ${DEFAULT-VALUE}).")
  double callerRequests = 1000;

  @Option(names = "--caller-releases-per-second", paramLabel = "N",
      description = "Releases and dry-runs per second per caller, bursts of twice that (default ${DEFAULT-VALUE}).")
  double callerReleases = 500;

  @Option(names = "--anonymous-requests-per-second", paramLabel = "N",
      description = "Requests per second per remote address without a valid token (default ${DEFAULT-VALUE}).")
  double anonymousRequests = 50;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for HTTPS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key for HTTPS.")
  Path tlsKey;

  @Option(names = "--db", paramLabel = "JDBC_URL", description = "Database (default jdbc:sqlite:STATE/key-broker.db; jdbc:postgresql://… for replicas).")
  String db;

  @Option(names = "--kek-file", paramLabel = "FILE",
      description = "Key-encryption key (32 bytes). Default STATE/kek, generated (mode 0600) when absent; a given file must exist.")
  Path kekFile;

  @Option(names = "--previous-kek-file", paramLabel = "FILE",
      description = "A previous key-encryption key that records may still be wrapped by (repeatable; read only, until 'kek rotate' re-wrapped them).")
  List<Path> previousKekFiles = new ArrayList<>();

  @Option(names = "--signing-key", paramLabel = "PEM",
      description = "Key that signs release results (RSA 2048+ or EC P-256/P-384). Default: the --tls-key, else a self-signed key in STATE/signing.")
  Path signingKey;

  @Option(names = "--signing-cert", paramLabel = "PEM", description = "Certificate chain of --signing-key, leaf first (put into the JWS x5c).")
  Path signingCert;

  @Option(names = "--public-url", paramLabel = "URL", description = "Vault URL used in key ids (default http(s)://HOST:P).")
  String publicUrl;

  @Option(names = "--sim", paramLabel = "DIR",
      description = "KBS: simulated platform directory (as for `kubesgx sim quote --platform DIR`): trust its root, use its PCS. "
          + "Never for real workloads.")
  Path sim;

  @Option(names = "--pcs-url", paramLabel = "URL", description = "KBS: Intel PCS or PCCS base URL for quote collateral (default ${DEFAULT-VALUE}).")
  URI pcsUrl = KbsOptions.INTEL_PCS;

  @Option(names = "--kbs-authority", paramLabel = "URL",
      description = "KBS: issuer name that quotes verified here count as in release policies (default: VAULT_URL/kbs/v0). "
          + "Give your attestation service's URL to let one policy govern both release paths.")
  String kbsAuthority;

  @Option(names = "--secret-prov-port", paramLabel = "P",
      description = "Serve Gramine secret provisioning (mutual TLS, RA-TLS client certificates) on this port; off by default. "
          + "Needs --tls-cert and --tls-key (Gramine's default port is 4433).")
  Integer secretProvPort;

  @Option(names = "--secret-prov-bind", paramLabel = "ADDR", description = "Bind address of the secret-provisioning listener (default: --host).")
  String secretProvBind;

  @Option(names = "--secret-prov-tenant", paramLabel = "TENANT",
      description = "Tenant whose secrets tagged " + SecretProvisioner.TAG + "=true are provisioned (default ${DEFAULT-VALUE}).")
  String secretProvTenant = TenantPath.DEFAULT;

  @Option(names = "--secret-prov-allow-outdated-tcb-insecure",
      description = "DANGEROUS: provision enclaves on an OutOfDate TCB or with stale collateral (RA_TLS_ALLOW_OUTDATED_TCB_INSECURE).")
  boolean secretProvAllowOutdated;

  @Option(names = "--secret-prov-allow-hw-config-needed",
      description = "Provision enclaves whose TCB needs a platform configuration change (RA_TLS_ALLOW_HW_CONFIG_NEEDED).")
  boolean secretProvAllowHwConfig;

  @Option(names = "--secret-prov-allow-sw-hardening-needed",
      description = "Provision enclaves whose TCB needs software hardening (RA_TLS_ALLOW_SW_HARDENING_NEEDED).")
  boolean secretProvAllowSwHardening;

  @Option(names = "--secret-prov-allow-debug-enclave-insecure",
      description = "DANGEROUS: provision debug enclaves, whose memory the host can read (RA_TLS_ALLOW_DEBUG_ENCLAVE_INSECURE).")
  boolean secretProvAllowDebug;

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
    boolean fresh = false;
    try {
      require(stateDir, "--state-dir DIR");
      if (tenantsFile == null) {
        require(adminTokenFile, "--admin-token-file FILE");
        if (trustIssuers.isEmpty()) {
          throw new IllegalArgumentException("at least one --trust-issuer URL is required");
        }
      }
      if (k8sAudience != null && k8sIssuer == null) {
        throw new IllegalArgumentException("--k8s-audience needs --k8s-issuer URL");
      }
      for (String i : trustIssuers) {
        TargetTokenVerifier.checkIssuerUrl(i);
      }
      if (kekFile != null) {
        io.kubesgx.keybroker.store.Envelope.readKek(kekFile, "--kek-file"); // exists and is 32 bytes; nothing is created
      }
      for (Path p : previousKekFiles) {
        io.kubesgx.keybroker.store.Envelope.readKek(p, "--previous-kek-file");
      }
      requireFile(tlsCert, "--tls-cert", "the PEM certificate chain of the HTTPS certificate");
      requireFile(tlsKey, "--tls-key", "the PEM private key of the HTTPS certificate");
      requireFile(signingCert, "--signing-cert", "the PEM certificate chain of --signing-key, leaf first");
      requireFile(signingKey, "--signing-key", "the PEM private key that signs release results");
      if ((signingKey == null) != (signingCert == null)) {
        throw new IllegalArgumentException("--signing-key and --signing-cert go together; give both or neither");
      }
      if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
        throw new IllegalArgumentException("--state-dir " + stateDir + " is not a directory");
      }
      if (sim != null && !Files.isDirectory(sim)) {
        throw new IllegalArgumentException("--sim " + sim + (Files.exists(sim) ? " is a file, not a platform directory"
            : " does not exist") + "; create a simulated platform with: kubesgx sim init --platform " + sim);
      }
      Optional<SecretProvOptions> secretProv = secretProvOptions();
      KbsOptions kbs = new KbsOptions(Optional.ofNullable(sim), pcsUrl, Optional.empty(), Optional.ofNullable(kbsAuthority),
          KbsOptions.defaults().maxSessions(), KbsOptions.defaults().sessionLifetime());
      String token = adminTokenFile == null ? "" : readToken(adminTokenFile);
      Tenants tenants = tenantsFile == null ? Tenants.none() : TenantsFile.read(tenantsFile, trustIssuers);
      Optional<KubernetesIssuer> k8s = Optional.empty();
      if (k8sIssuer != null) {
        try {
          TargetTokenVerifier.checkIssuerUrl(k8sIssuer);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--k8s-issuer: " + e.getMessage().replace("trusted issuer ", "the issuer "), e);
        }
        k8s = Optional.of(new KubernetesIssuer(k8sIssuer, k8sAudience == null ? KubernetesIssuer.DEFAULT_AUDIENCE : k8sAudience));
      }
      RateLimits rates;
      try {
        rates = new RateLimits(RateLimits.Rate.perSecond(callerRequests), RateLimits.Rate.perSecond(callerReleases),
            RateLimits.Rate.perSecond(anonymousRequests), RateLimits.defaults().maxCallers());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--caller-requests-per-second, --caller-releases-per-second and "
            + "--anonymous-requests-per-second must be positive numbers");
      }
      KeyBrokerServer.Options o = new KeyBrokerServer.Options(host, port, stateDir, token, trustIssuers,
          Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey), Optional.ofNullable(db), Optional.ofNullable(kekFile),
          Optional.ofNullable(publicUrl), ServerLimits.defaults().withRateLimits(rates), new KeyBrokerServer.KeyFiles(previousKekFiles,
              Optional.ofNullable(signingKey), Optional.ofNullable(signingCert)), tenants, k8s);
      HttpClient issuerHttp = IssuerTrust.httpClient(issuerCaFiles);
      fresh = !Files.exists(stateDir);
      server = KeyBrokerServer.start(o, Clock.systemUTC(), issuerHttp, kbs, secretProv);
    } catch (IllegalArgumentException | IOException e) {
      if (fresh) {
        deleteTree(stateDir); // a failed start leaves nothing behind in a state directory it created
      }
      err.println("key-broker: " + e.getMessage());
      return USAGE_OR_IO;
    }
    if (fresh) {
      err.println("key-broker: created state directory " + stateDir);
    }
    err.println("kubesgx key broker listening on " + host + ":" + server.port() + " (vault URL " + server.baseUrl()
        + ", default tenant trusts " + trustIssuers + (tenantsFile == null ? "" : ", tenants from " + tenantsFile)
        + (k8sIssuer == null ? "" : ", service accounts of " + k8sIssuer)
        + ", KBS quote collateral from " + (sim != null ? "SIMULATED platform " + sim : pcsUrl)
        + (server.secretProvPort().isPresent() ? ", Gramine secret provisioning on " + (secretProvBind == null ? host : secretProvBind)
            + ":" + server.secretProvPort().getAsInt() + " for tenant " + secretProvTenant : "") + ")");
    err.flush();
    KeyBrokerServer running = server;
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
      try {
        err.println("key-broker: reloaded the key-encryption keys; new records are sealed under KEK " + running.reloadKeks());
      } catch (IOException e) {
        err.println("key-broker: KEK reload refused, still using the previous ring: " + e.getMessage());
      }
      err.flush();
    });
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    err.println("key-broker: stopped");
    return 0;
  }

  /** Returns the secret-provisioning settings, or empty when {@code --secret-prov-port} is not given. */
  private Optional<SecretProvOptions> secretProvOptions() {
    if (secretProvPort == null) {
      boolean other = secretProvBind != null || !TenantPath.DEFAULT.equals(secretProvTenant) || secretProvAllowOutdated
          || secretProvAllowHwConfig || secretProvAllowSwHardening || secretProvAllowDebug;
      if (other) {
        throw new IllegalArgumentException("the --secret-prov-* options need --secret-prov-port P (secret provisioning is off without it)");
      }
      return Optional.empty();
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException("--secret-prov-port needs --tls-cert and --tls-key: Gramine's client verifies the "
          + "server's certificate against SECRET_PROVISION_CA_CHAIN_PATH");
    }
    return Optional.of(SecretProvOptions.defaults(secretProvBind == null ? host : secretProvBind, secretProvPort)
        .withTenant(secretProvTenant)
        .withAllowances(secretProvAllowOutdated, secretProvAllowHwConfig, secretProvAllowSwHardening, secretProvAllowDebug));
  }

  static void require(Object value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " is required");
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  static void requireFile(Path p, String option, String what) {
    if (p == null) {
      return;
    }
    if (Files.isDirectory(p)) {
      throw new IllegalArgumentException(option + " " + p + " is a directory; give the file holding " + what);
    }
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(option + " " + p + ": no such file; give the file holding " + what);
    }
  }

  private static String readToken(Path p) throws IOException {
    if (Files.isDirectory(p)) {
      throw new IOException("--admin-token-file " + p + " is a directory; give the file holding the admin bearer token");
    }
    if (!Files.exists(p)) {
      throw new IOException("--admin-token-file " + p + ": no such file; create it with at least 32 random bytes "
          + "(e.g. head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE)");
    }
    try {
      return Files.readString(p, StandardCharsets.UTF_8).strip();
    } catch (java.nio.charset.MalformedInputException e) {
      throw new IOException("--admin-token-file " + p + " is not UTF-8 text; write the token as text (e.g. base64)", e);
    } catch (IOException e) {
      throw new IOException("--admin-token-file " + p + ": cannot read it (" + e.getMessage() + "); check its permissions", e);
    }
  }
}
