package io.kubesgx.keybroker.http;

import io.kubesgx.http.BoundedHttp;
import io.kubesgx.http.HttpLimits;
import io.kubesgx.http.Refusal;
import io.kubesgx.keybroker.kbs.KbsOptions;
import io.kubesgx.keybroker.kbs.SgxEvidenceVerifier;
import io.kubesgx.keybroker.secretprov.SecretProvException;
import io.kubesgx.keybroker.secretprov.SecretProvOptions;
import io.kubesgx.keybroker.secretprov.SecretProvServer;
import io.kubesgx.keybroker.secretprov.SecretProvisioner;
import io.kubesgx.keybroker.store.SecretStore;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import io.kubesgx.keybroker.store.Envelope;
import io.kubesgx.keybroker.store.KeyStore;
import io.kubesgx.keybroker.store.StoreException;
import io.kubesgx.keybroker.tenant.AdminToken;
import io.kubesgx.keybroker.tenant.Authenticator;
import io.kubesgx.keybroker.tenant.Caller;
import io.kubesgx.keybroker.tenant.KubernetesIssuer;
import io.kubesgx.keybroker.tenant.ServiceAccountVerifier;
import io.kubesgx.keybroker.tenant.TenantConfig;
import io.kubesgx.keybroker.tenant.TenantPath;
import io.kubesgx.keybroker.tenant.Tenants;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A running key broker: Key Vault key operations under {@code /keys} (the default tenant) and
 * {@code /t/{tenant}/keys} (the others), the release dry-run, plus {@code /healthz}, {@code /readyz}
 * and {@code /metrics}. A request naming an unconfigured tenant is answered 404. Requests without a
 * bearer token, or with one that is neither an admin token of the addressed tenant nor a
 * service-account token, get the Key Vault challenge (401 with {@code WWW-Authenticate} naming the
 * tenant) before their body is read. Every caller has its own rate limits (429 with {@code Retry-After}).
 *
 * <pre>{@code
 * try (KeyBrokerServer s = KeyBrokerServer.start(options, Clock.systemUTC())) {
 *   System.out.println(s.baseUrl());
 * }
 * }</pre>
 */
public final class KeyBrokerServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KeyBrokerServer.class.getName());
  /** Smallest admin token accepted, in bytes. */
  public static final int MIN_ADMIN_TOKEN_BYTES = AdminToken.MIN_BYTES;
  /** The {@code authorization} URI of the default tenant's challenge; its last path segment names the tenant. */
  public static final String CHALLENGE_AUTHORITY = challengeAuthority(TenantPath.DEFAULT);

  /**
   * Settings of a key broker.
   *
   * @param host bind address
   * @param port port (0: any free port)
   * @param stateDirectory SQLite database, KEK (unless {@code kekFile}) and release-signing key
   * @param adminToken the default tenant's admin bearer token (at least 32 bytes), or empty when the
   *     tenants give the default tenant its callers
   * @param trustedIssuers attestation services whose tokens the default tenant accepts as release targets
   * @param tlsCert PEM certificate chain for HTTPS
   * @param tlsKey PEM private key for HTTPS
   * @param databaseUrl JDBC URL (empty: SQLite in the state directory)
   * @param kekFile key-encryption key file (empty: {@code STATE/kek}, generated when absent)
   * @param publicUrl the vault URL put into key ids (empty: {@code http(s)://HOST:PORT})
   * @param limits server bounds
   * @param keys previous KEKs and the release-signing key
   * @param tenants the other tenants (and the default tenant's other settings), from the tenants file
   * @param kubernetes the cluster whose service-account tokens are accepted, if any
   */
  public record Options(
      String host, int port, Path stateDirectory, String adminToken, List<String> trustedIssuers, Optional<Path> tlsCert,
      Optional<Path> tlsKey, Optional<String> databaseUrl, Optional<Path> kekFile, Optional<String> publicUrl,
      ServerLimits limits, KeyFiles keys, Tenants tenants, Optional<KubernetesIssuer> kubernetes) {
    /** Checks the settings; messages say what to change. */
    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(stateDirectory, "stateDirectory");
      Objects.requireNonNull(adminToken, "adminToken");
      trustedIssuers = List.copyOf(trustedIssuers);
      Objects.requireNonNull(tlsCert, "tlsCert");
      Objects.requireNonNull(tlsKey, "tlsKey");
      Objects.requireNonNull(databaseUrl, "databaseUrl");
      Objects.requireNonNull(kekFile, "kekFile");
      Objects.requireNonNull(publicUrl, "publicUrl");
      Objects.requireNonNull(limits, "limits");
      Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(tenants, "tenants");
      Objects.requireNonNull(kubernetes, "kubernetes");
      if (!adminToken.isEmpty() && adminToken.getBytes(StandardCharsets.UTF_8).length < MIN_ADMIN_TOKEN_BYTES) {
        throw new IllegalArgumentException("the admin token must be at least " + MIN_ADMIN_TOKEN_BYTES
            + " bytes (e.g. head -c 32 /dev/urandom | base64 > FILE)");
      }
      if (tlsCert.isPresent() != tlsKey.isPresent()) {
        throw new IllegalArgumentException("HTTPS needs both --tls-cert and --tls-key");
      }
      if (tlsCert.isEmpty() && !isLoopback(host)) {
        throw new IllegalArgumentException("plain HTTP is allowed only on a loopback address; give --tls-cert and --tls-key to bind " + host);
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("--port must be 0..65535");
      }
    }

    /** Local defaults: loopback, plain HTTP, SQLite and KEK in {@code stateDirectory}. */
    public static Options local(int port, Path stateDirectory, String adminToken, List<String> trustedIssuers) {
      return new Options("127.0.0.1", port, stateDirectory, adminToken, trustedIssuers, Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), ServerLimits.defaults(), KeyFiles.none(), Tenants.none(),
          Optional.empty());
    }

    /** Returns a copy serving HTTPS. */
    public Options withTls(Path cert, Path key) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, Optional.of(cert), Optional.of(key),
          databaseUrl, kekFile, publicUrl, limits, keys, tenants, kubernetes);
    }

    /** Returns a copy with other limits. */
    public Options withLimits(ServerLimits l) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, databaseUrl, kekFile,
          publicUrl, l, keys, tenants, kubernetes);
    }

    /** Returns a copy with a database URL. */
    public Options withDatabase(String url) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, Optional.of(url), kekFile,
          publicUrl, limits, keys, tenants, kubernetes);
    }

    /** Returns a copy with the current KEK in {@code current} and {@code previous} KEKs still readable. */
    public Options withKeks(Path current, List<Path> previous) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, databaseUrl, Optional.of(current),
          publicUrl, limits, new KeyFiles(previous, keys.signingKey(), keys.signingCert()), tenants, kubernetes);
    }

    /** Returns a copy that signs release results with {@code key} and its chain {@code cert}. */
    public Options withSigning(Path key, Path cert) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, databaseUrl, kekFile,
          publicUrl, limits, new KeyFiles(keys.previousKekFiles(), Optional.of(key), Optional.of(cert)), tenants,
          kubernetes);
    }

    /** Returns a copy with these tenants besides (and settings for) the default one. */
    public Options withTenants(Tenants t) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, databaseUrl, kekFile,
          publicUrl, limits, keys, t, kubernetes);
    }

    /** Returns a copy accepting service-account tokens of {@code k}'s cluster. */
    public Options withKubernetes(KubernetesIssuer k) {
      return new Options(host, port, stateDirectory, adminToken, trustedIssuers, tlsCert, tlsKey, databaseUrl, kekFile,
          publicUrl, limits, keys, tenants, Optional.of(k));
    }
  }

  /**
   * Key files beyond the current KEK.
   *
   * @param previousKekFiles KEKs records may still be wrapped by (read, never used for new records)
   * @param signingKey PEM key signing release results (empty: the TLS key, else a self-signed key in {@code STATE/signing})
   * @param signingCert PEM chain of {@code signingKey}, leaf first
   */
  public record KeyFiles(List<Path> previousKekFiles, Optional<Path> signingKey, Optional<Path> signingCert) {
    /** Copies the list; the signing key and chain come together. */
    public KeyFiles {
      previousKekFiles = List.copyOf(previousKekFiles);
      Objects.requireNonNull(signingKey, "signingKey");
      Objects.requireNonNull(signingCert, "signingCert");
      if (signingKey.isPresent() != signingCert.isPresent()) {
        throw new IllegalArgumentException("--signing-key and --signing-cert go together");
      }
    }

    /** No previous KEKs; the default signer. */
    public static KeyFiles none() {
      return new KeyFiles(List.of(), Optional.empty(), Optional.empty());
    }
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final KeyStore store;
  private final KeyVaultService service;
  private final Routes routes;
  private final BrokerMetrics metrics;
  private final ServerLimits limits;
  private final Authenticator auth;
  private final CallerRateLimiter rates;
  private final String baseUrl;
  private final AtomicInteger inFlight = new AtomicInteger();
  private BoundedHttp bounded;
  private Path kekPath;
  private List<Path> previousKekFiles;
  private volatile boolean ready = true;
  private SecretProvServer secretProv;

  private KeyBrokerServer(Vertx vertx, HttpServer server, ThreadPoolExecutor workers, KeyStore store, KeyVaultService service,
      Routes routes, BrokerMetrics metrics, ServerLimits limits, Authenticator auth, String baseUrl) {
    this.vertx = vertx;
    this.server = server;
    this.workers = workers;
    this.store = store;
    this.service = service;
    this.routes = routes;
    this.metrics = metrics;
    this.limits = limits;
    this.auth = auth;
    this.rates = new CallerRateLimiter(limits.rateLimits(), System::nanoTime);
    this.baseUrl = baseUrl;
  }

  /** Returns the {@code authorization} URI of {@code tenant}'s challenge (the SDKs take its last segment as the tenant). */
  public static String challengeAuthority(String tenant) {
    return "https://login.kubesgx.invalid/" + tenant;
  }

  /**
   * Starts a broker with the system's HTTP client for issuer discovery.
   *
   * @throws IOException when the state directory, KEK, database or port cannot be used (the message says which)
   */
  public static KeyBrokerServer start(Options o, Clock clock) throws IOException {
    return start(o, clock, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }

  /**
   * Starts a broker that fetches issuer metadata with {@code http} (tests pass one that trusts their CA).
   *
   * @throws IOException when the state directory, KEK, database or port cannot be used (the message says which)
   */
  public static KeyBrokerServer start(Options o, Clock clock, HttpClient http) throws IOException {
    return start(o, clock, http, KbsOptions.defaults());
  }

  /**
   * Starts a broker whose KBS endpoints ({@code /kbs/v0/…}) verify quotes as {@code kbsOptions} says.
   *
   * @throws IOException when the state directory, KEK, database, port or collateral source cannot be used
   */
  public static KeyBrokerServer start(Options o, Clock clock, HttpClient http, KbsOptions kbsOptions) throws IOException {
    return start(o, clock, http, kbsOptions, Optional.empty());
  }

  /**
   * Starts a broker that also serves Gramine secret provisioning as {@code secretProv} says (a
   * mutual-TLS listener on its own port; it needs the broker's TLS certificate and key).
   *
   * @throws IOException when the state directory, KEK, database, ports, TLS files or collateral source cannot be used
   * @throws IllegalArgumentException when secret provisioning is asked for without TLS or for an unconfigured tenant
   */
  public static KeyBrokerServer start(Options o, Clock clock, HttpClient http, KbsOptions kbsOptions,
      Optional<SecretProvOptions> secretProv) throws IOException {
    if (secretProv.isPresent()) {
      if (o.tlsCert().isEmpty()) {
        throw new IllegalArgumentException("--secret-prov-port needs --tls-cert and --tls-key: Gramine's client verifies "
            + "the server's certificate against SECRET_PROVISION_CA_CHAIN_PATH");
      }
    }
    Tenants tenants = o.tenants().withDefault(
        o.adminToken().isEmpty() ? Optional.empty() : Optional.of(AdminToken.of("admin", o.adminToken())), o.trustedIssuers());
    if (secretProv.isPresent() && tenants.get(secretProv.get().tenant()).isEmpty()) {
      throw new IllegalArgumentException("--secret-prov-tenant " + secretProv.get().tenant() + " is not a configured tenant; "
          + "give one of " + tenants.all().stream().map(TenantConfig::name).sorted().toList() + " or add it to --tenants-file");
    }
    Map<String, TargetTokenVerifier> targets = new LinkedHashMap<>();
    for (TenantConfig t : tenants.all()) {
      targets.put(t.name(), TargetTokenVerifier.create(t.trustedIssuers(), clock, http));
    }
    Optional<ServiceAccountVerifier> serviceAccounts = o.kubernetes()
        .map(k -> ServiceAccountVerifier.create(k.issuer(), k.audience(), clock, http));
    Authenticator auth = new Authenticator(tenants, serviceAccounts);
    SecureRandom random = new SecureRandom();
    io.kubesgx.common.io.AtomicFiles.createPrivateDirectory(o.stateDirectory());
    Path kekPath = o.kekFile().orElse(o.stateDirectory().resolve("kek"));
    boolean[] created = {false};
    Envelope envelope = Envelope.loadOrCreate(kekPath, o.kekFile().isEmpty(), o.keys().previousKekFiles(), random, created);
    if (created[0]) {
      LOG.warning("generated a new key-encryption key at " + kekPath
          + " (mode 0600); back it up or give --kek-file: without it the stored keys cannot be read");
    }
    String dbUrl = o.databaseUrl().orElse("jdbc:sqlite:" + o.stateDirectory().resolve("key-broker.db"));
    KeyStore store;
    try {
      store = KeyStore.open(dbUrl, null, null, envelope, clock);
    } catch (StoreException e) {
      throw new IOException(e.getMessage(), e);
    }
    Vertx vertx = null;
    ThreadPoolExecutor workers = null;
    SgxEvidenceVerifier[] evidence = {null};
    SecretProvServer[] prov = {null};
    try {
      int port = o.port();
      boolean tls = o.tlsCert().isPresent();
      if (port == 0) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
          s.bind(new java.net.InetSocketAddress(o.host(), 0));
          port = s.getLocalPort();
        }
      }
      String host = o.host().contains(":") ? "[" + o.host() + "]" : o.host();
      String baseUrl = o.publicUrl().orElse((tls ? "https" : "http") + "://" + host + ":" + port);
      ReleaseSigner signer;
      if (o.keys().signingKey().isPresent()) {
        signer = ReleaseSigner.fromPem(o.keys().signingKey().get(), o.keys().signingCert().get(), "--signing-key", "--signing-cert", clock);
      } else if (tls) {
        signer = ReleaseSigner.fromPem(o.tlsKey().get(), o.tlsCert().get(), "--tls-key", "--tls-cert", clock);
      } else {
        signer = ReleaseSigner.loadOrCreate(o.stateDirectory().resolve("signing"), baseUrl, clock, random);
      }
      KeyVaultService service = new KeyVaultService(store, targets, signer, baseUrl, clock, random);
      Routes routes = Routes.create(store, signer, baseUrl, tls, kbsOptions, clock, random, evidence);
      ServerLimits l = o.limits();
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())))
          .setWorkerPoolSize(1));
      AtomicInteger n = new AtomicInteger();
      workers = new ThreadPoolExecutor(l.workers(), l.workers(), 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(l.queue()), r -> {
        Thread t = new Thread(r, "key-broker-worker-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.AbortPolicy());
      BrokerMetrics metrics = new BrokerMetrics();
      KeyBrokerServer[] self = new KeyBrokerServer[1];
      BoundedHttp bounded = BoundedHttp.create(vertx, l.http(), (req, why) -> self[0].refuse(req, why), why -> {
        if (why == Refusal.CONNECTION_LIMIT || why == Refusal.HEADER_DEADLINE) {
          metrics.rejected(why.label()); // request-level refusals are counted where they are answered
        }
      });
      HttpServerOptions opts = bounded.configure(new HttpServerOptions()).setHost(o.host()).setPort(port)
          .setCompressionSupported(false);
      if (tls) {
        opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(o.tlsCert().get().toString()).setKeyPath(o.tlsKey().get().toString()));
      }
      HttpServer server = vertx.createHttpServer(opts);
      KeyBrokerServer s = new KeyBrokerServer(vertx, server, workers, store, service, routes, metrics, l, auth, baseUrl);
      s.bounded = bounded;
      s.kekPath = kekPath;
      s.previousKekFiles = o.keys().previousKekFiles();
      self[0] = s;
      ThreadPoolExecutor w = workers;
      metrics.gauges(() -> w.getQueue().size(), s.inFlight::get, bounded::openConnections, bounded::bufferedBodyBytes);
      server.connectionHandler(bounded.connectionHandler());
      server.requestHandler(s::handle);
      if (secretProv.isPresent()) {
        SecretProvOptions sp = secretProv.get();
        RaTlsVerifier raTls = routes.evidence().raTlsVerifier(sp.raTlsPolicy());
        SecretProvisioner provisioner = new SecretProvisioner(SecretStore.over(store), store, sp.tenant(), routes.kbsAuthority(), clock);
        try {
          prov[0] = SecretProvServer.start(sp, o.tlsCert().get(), o.tlsKey().get(), raTls, provisioner, addr -> {
            if (s.rates.acquire(CallerRateLimiter.Scope.ANONYMOUS, addr) == 0) {
              return true;
            }
            metrics.rateLimited(CallerRateLimiter.Scope.ANONYMOUS.label());
            return false;
          }, metrics::rejected);
          s.secretProv = prov[0];
        } catch (SecretProvException e) {
          throw new IOException(e.getMessage(), e);
        }
      }
      try {
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("cannot listen on " + o.host() + ":" + port + ": "
            + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting", e);
      }
      return s;
    } catch (IOException | RuntimeException e) {
      if (prov[0] != null) {
        prov[0].close();
      }
      if (vertx != null) {
        var unused = vertx.close();
      }
      if (workers != null) {
        workers.shutdownNow();
      }
      if (evidence[0] != null) {
        evidence[0].close();
      }
      store.close();
      throw e;
    }
  }

  /** Returns the bound port. */
  public int port() {
    return server.actualPort();
  }

  /** Returns the port of the secret-provisioning listener, when it runs. */
  public OptionalInt secretProvPort() {
    return secretProv == null ? OptionalInt.empty() : OptionalInt.of(secretProv.port());
  }

  /** Returns the vault URL ({@code kid} prefix). */
  public String baseUrl() {
    return baseUrl;
  }

  /**
   * Re-reads the KEK files named at start (the current one and the previous ones) and uses them from
   * now on: new records are sealed under the current KEK, reads accept any KEK of the ring. A KEK
   * rotation without downtime: replace the files (or the mounted Secret), reload, then run {@code
   * kubesgx key-broker kek rotate}.
   *
   * @return the id of the current KEK
   * @throws IOException when a file is missing or not 32 bytes (the ring in use does not change)
   */
  public String reloadKeks() throws IOException {
    Envelope next;
    try {
      next = Envelope.loadOrCreate(kekPath, false, previousKekFiles, new SecureRandom(), new boolean[1]);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    store.replaceEnvelope(next);
    return next.currentKekId();
  }

  /** Returns the key store (for the audit commands and tests). */
  public KeyStore store() {
    return store;
  }

  private void handle(HttpServerRequest req) {
    long start = System.nanoTime();
    // Absolute deadlines (request head, whole request) and the body budget are BoundedHttp's.
    BoundedHttp.Exchange exchange = bounded.begin(req);
    String path = req.path();
    if (path == null) {
      write(req, "other", start, ApiResponse.error(400, "BadParameter", "bad request line"), true);
      return;
    }
    switch (path) {
      case "/healthz" -> {
        write(req, "health", start, ApiResponse.json(200, "{\"status\":\"ok\"}"), false);
        return;
      }
      case "/readyz" -> {
        write(req, "health", start, ApiResponse.json(ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"shutting down\"}"), false);
        return;
      }
      case "/metrics" -> {
        write(req, "metrics", start, new ApiResponse(200, metrics.render().getBytes(StandardCharsets.UTF_8),
            java.util.Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8")), false);
        return;
      }
      default -> { }
    }
    Optional<TenantPath> tp = TenantPath.parse(path);
    String remote = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    boolean hasBody = req.getHeader("Content-Length") != null && !"0".equals(req.getHeader("Content-Length"))
        || req.getHeader("Transfer-Encoding") != null;
    if (tp.isPresent() && tp.get().rest().startsWith(Routes.KBS_PREFIX) && auth.tenants().get(tp.get().tenant()).isPresent()) {
      // KBS clients authenticate by attestation, not by bearer token: no Key Vault challenge here. Their
      // requests (anonymous until attested) share the per-address bucket.
      TenantPath kt = tp.get();
      String kbsRoute = Routes.kbsRoute(kt.rest());
      if (!throttled(req, kbsRoute, start, CallerRateLimiter.Scope.ANONYMOUS, remote, hasBody)) {
        Routes.KbsHead kr = new Routes.KbsHead(req.method().name(), kt.rest(), req.getHeader("Cookie"), req.getHeader("Authorization"));
        exchange.readBody(body -> dispatch(req, exchange, kbsRoute, start, body, b -> routes.kbs(kt.tenant(), kr, b)));
      }
      return;
    }
    if (tp.isEmpty() || auth.tenants().get(tp.get().tenant()).isEmpty()) {
      // Tenants exist only by configuration: a mistyped one is not found, never created.
      write(req, "other", start, ApiResponse.error(404, "NotFound", "no such tenant: " + (tp.isEmpty() ? path : tp.get().tenant())
          + " (tenants are configured in the broker's --tenants-file)"), hasBody);
      return;
    }
    TenantPath target = tp.get();
    String route = route(req.method().name(), target.rest());
    // Key Vault challenge: answer 401 before reading the body (the Azure SDK sends the first request without one).
    String authz = req.getHeader("Authorization");
    if (authz == null || !authz.regionMatches(true, 0, "Bearer ", 0, 7)) {
      if (!throttled(req, route, start, CallerRateLimiter.Scope.ANONYMOUS, remote, hasBody)) {
        write(req, route, start, withChallenge(target.tenant(),
            ApiResponse.error(401, "Unauthorized", "AKV10000: Request is missing a Bearer token.")), hasBody);
      }
      return;
    }
    String bearer = authz.substring(7).trim();
    Optional<Caller> admin = auth.admin(target.tenant(), bearer);
    if (admin.isPresent()) {
      if (!throttled(req, route, start, admin.get(), hasBody)) {
        String method = req.method().name();
        String apiVersion = req.getParam("api-version");
        exchange.readBody(body -> dispatch(req, exchange, route, start, body,
            b -> serve(method, target, apiVersion, b, admin.get(), null, route, remote)));
      }
      return;
    }
    if (auth.mayBeServiceAccountToken(bearer)) {
      // Verification may fetch the cluster issuer's keys: it runs on a worker, after the body is read.
      String method = req.method().name();
      String apiVersion = req.getParam("api-version");
      exchange.readBody(body -> dispatch(req, exchange, route, start, body,
          b -> serve(method, target, apiVersion, b, null, bearer, route, remote)));
      return;
    }
    if (!throttled(req, route, start, CallerRateLimiter.Scope.ANONYMOUS, remote, hasBody)) {
      write(req, route, start, withChallenge(target.tenant(),
          ApiResponse.error(401, "Unauthorized", "AKV10032: Invalid bearer token.")), hasBody);
    }
  }

  /** Applies {@code caller}'s request bucket (and release bucket for releases and dry-runs); answers 429 and returns true when empty. */
  private boolean throttled(HttpServerRequest req, String route, long start, Caller caller, boolean closeConnection) {
    ApiResponse r = rateLimit(route, caller);
    if (r == null) {
      return false;
    }
    var unused = write(req, route, start, r, closeConnection);
    return true;
  }

  private boolean throttled(HttpServerRequest req, String route, long start, CallerRateLimiter.Scope scope, String who,
      boolean closeConnection) {
    ApiResponse r = rateLimit(scope, who);
    if (r == null) {
      return false;
    }
    var unused = write(req, route, start, r, closeConnection);
    return true;
  }

  /** Returns the 429 answer when {@code caller} is over a limit, else null (and takes the tokens). */
  private ApiResponse rateLimit(String route, Caller caller) {
    String who = caller.tenant() + "/" + caller.id();
    ApiResponse r = rateLimit(CallerRateLimiter.Scope.REQUESTS, who);
    if (r == null && (route.equals("release") || route.equals("dry-run"))) {
      r = rateLimit(CallerRateLimiter.Scope.RELEASES, who);
    }
    return r;
  }

  private ApiResponse rateLimit(CallerRateLimiter.Scope scope, String who) {
    long retryAfter = rates.acquire(scope, who);
    if (retryAfter == 0) {
      return null;
    }
    metrics.rateLimited(scope.label());
    ApiResponse e = ApiResponse.error(429, "Throttled", (scope == CallerRateLimiter.Scope.RELEASES ? "too many releases"
        : "too many requests") + " from this caller; retry after " + retryAfter + " s");
    return new ApiResponse(429, e.body(), Map.of("Retry-After", Long.toString(retryAfter)));
  }

  /** Answers a request {@link BoundedHttp} refused (body too large or late, body budget, late answer). */
  private Future<Void> refuse(HttpServerRequest req, Refusal why) {
    metrics.rejected(why.label());
    HttpLimits l = limits.http();
    ApiResponse r = switch (why) {
      case BODY_TOO_LARGE -> ApiResponse.error(413, "RequestTooLarge", "the request body exceeds " + l.maxBodyBytes() + " bytes");
      case BODY_DEADLINE -> ApiResponse.error(408, "RequestTimeout",
          "the request was not received in full within " + l.requestDeadline().toMillis() + " ms");
      case BODY_BUDGET -> ApiResponse.error(503, "ServiceUnavailable",
          "the broker is holding too many request bodies in memory; retry after a second");
      case RESPONSE_DEADLINE -> ApiResponse.error(503, "ServiceUnavailable",
          "the request was not answered within " + l.requestDeadline().toMillis() + " ms; retry later");
      default -> ApiResponse.error(503, "ServiceUnavailable", "retry later");
    };
    if (why.retryAfter()) {
      r = new ApiResponse(r.status(), r.body(), java.util.Map.of("Retry-After", "1"));
    }
    String path = req.path();
    Optional<TenantPath> tp = path == null ? Optional.empty() : TenantPath.parse(path);
    return write(req, tp.isEmpty() ? "other" : route(req.method().name(), tp.get().rest()), System.nanoTime(), r, true);
  }

  private ApiResponse withChallenge(String tenant, ApiResponse r) {
    String challenge = "Bearer authorization=\"" + challengeAuthority(tenant) + "\", resource=\"" + baseUrl + "\"";
    return new ApiResponse(r.status(), r.body(), java.util.Map.of("WWW-Authenticate", challenge));
  }

  /** Queues the request for a worker; the returned future completes when the worker no longer needs the body. */
  private Future<Void> dispatch(HttpServerRequest req, BoundedHttp.Exchange exchange, String route, long start, byte[] body,
      java.util.function.Function<byte[], ApiResponse> handler) {
    Promise<Void> bodyReleased = Promise.promise();
    Context ctx = Vertx.currentContext();
    long enqueued = System.nanoTime();
    try {
      workers.execute(() -> {
        ApiResponse r;
        try {
          if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - enqueued) > limits.queueDeadlineMillis()) {
            metrics.rejected("queue-timeout");
            r = ApiResponse.error(503, "ServiceUnavailable", "the broker is overloaded; retry later");
          } else {
            inFlight.incrementAndGet();
            try {
              r = handler.apply(body);
            } catch (RuntimeException e) {
              LOG.warning("internal error on " + route + ": " + e);
              r = ApiResponse.error(500, "InternalError", "internal error");
            } finally {
              inFlight.decrementAndGet();
            }
          }
        } finally {
          bodyReleased.complete();
        }
        ApiResponse fr = r;
        ctx.runOnContext(v -> {
          if (!exchange.isOver()) {
            var unused = write(req, route, start, fr, false);
          }
        });
      });
    } catch (RejectedExecutionException e) {
      bodyReleased.complete();
      metrics.rejected("queue-full");
      ApiResponse r = ApiResponse.error(429, "Throttled", "the broker is at capacity; retry after a second");
      var unused = write(req, route, start, new ApiResponse(429, r.body(), java.util.Map.of("Retry-After", "1")), false);
    }
    return bodyReleased.future();
  }

  /** Authenticates a service-account caller when needed, applies its rate limits, and serves the request. */
  private ApiResponse serve(String method, TenantPath target, String apiVersion, byte[] body, Caller known, String serviceAccountToken,
      String route, String remote) {
    Caller caller = known;
    if (caller == null) {
      try {
        caller = auth.serviceAccount(target.tenant(), serviceAccountToken);
      } catch (KeyBrokerException e) {
        if (e.reason() != KeyBrokerException.Reason.UNAUTHORIZED) {
          return ApiResponse.error(e, true); // 403 no role in the tenant, 503 issuer unreachable
        }
        ApiResponse limited = rateLimit(CallerRateLimiter.Scope.ANONYMOUS, remote);
        return limited != null ? limited : withChallenge(target.tenant(), ApiResponse.error(e, true));
      }
      ApiResponse limited = rateLimit(route, caller);
      if (limited != null) {
        return limited;
      }
    }
    if (target.rest().startsWith("/secrets/")) {
      return routes.secrets(target.tenant(), method, target.rest(), apiVersion, body, caller.id(), caller.admin());
    }
    return service.handle(method, target.rest(), apiVersion, body, caller);
  }

  private Future<Void> write(HttpServerRequest req, String route, long start, ApiResponse r, boolean closeConnection) {
    HttpServerResponse resp = req.response();
    if (resp.ended() || resp.closed()) {
      return Future.succeededFuture();
    }
    resp.setStatusCode(r.status());
    resp.putHeader("Content-Type", "application/json; charset=utf-8");
    r.headers().forEach(resp::putHeader);
    if (closeConnection && req.version() != HttpVersion.HTTP_2) {
      resp.putHeader("Connection", "close"); // the unread body makes an HTTP/1.x connection unusable
    }
    metrics.observe(route, r.status(), System.nanoTime() - start);
    return resp.end(Buffer.buffer(r.body()));
  }

  private static String route(String method, String path) {
    if (path.startsWith("/secrets/")) {
      return "secrets";
    }
    if (path.startsWith(Routes.KBS_PREFIX)) {
      return Routes.kbsRoute(path);
    }
    if (path.equals("/dry-run")) {
      return "dry-run";
    }
    if (!path.startsWith("/keys/")) {
      return "other";
    }
    if (path.endsWith("/release")) {
      return "release";
    }
    if (path.endsWith("/dry-run")) {
      return "dry-run";
    }
    if (path.endsWith("/create")) {
      return "create";
    }
    if (path.endsWith("/versions")) {
      return "versions";
    }
    return switch (method) {
      case "PUT" -> "import";
      case "GET" -> "get";
      case "PATCH" -> "update";
      case "DELETE" -> "delete";
      default -> "other";
    };
  }

  /** Marks the server not ready, stops accepting, lets in-flight work finish, and closes the store. */
  @Override
  public void close() {
    ready = false;
    if (secretProv != null) {
      secretProv.close(); // stop handing out secrets first
    }
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    }
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    }
    routes.close();
    store.close();
  }
}
