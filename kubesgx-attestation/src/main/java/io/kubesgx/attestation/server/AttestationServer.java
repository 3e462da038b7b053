package io.kubesgx.attestation.server;

import io.kubesgx.attestation.http.ApiRouter;
import io.kubesgx.attestation.http.HttpApi;
import io.kubesgx.attestation.http.Metrics;
import io.kubesgx.attestation.policy.JdbcPolicyStore;
import io.kubesgx.attestation.policy.PolicyAuthorizer;
import io.kubesgx.attestation.service.AttestationService;
import io.kubesgx.attestation.service.ServiceCollateral;
import io.kubesgx.attestation.token.KeyRing;
import io.kubesgx.attestation.token.TokenIssuer;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.common.Pem;
import io.kubesgx.common.io.AtomicFiles;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.sim.pcs.SimPcsServer;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerificationCache;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/** A running attestation service: everything {@link ServerOptions} describes, started and wired. */
public final class AttestationServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AttestationServer.class.getName());

  private final HttpApi http;
  private final AttestationService service;
  private final CollateralService collateral;
  private final JdbcPolicyStore store;
  private final Optional<SimPcsServer> simPcs;
  private final Optional<ScheduledExecutorService> rotation;
  private final String baseUrl;
  private final List<TrustAnchor> anchors;

  private AttestationServer(HttpApi http, AttestationService service, CollateralService collateral, JdbcPolicyStore store,
      Optional<SimPcsServer> simPcs, Optional<ScheduledExecutorService> rotation, String baseUrl, List<TrustAnchor> anchors) {
    this.http = http;
    this.service = service;
    this.collateral = collateral;
    this.store = store;
    this.simPcs = simPcs;
    this.rotation = rotation;
    this.baseUrl = baseUrl;
    this.anchors = anchors;
  }

  /** Starts a service. */
  public static AttestationServer start(ServerOptions o, Clock clock) throws Exception {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      int port = o.port();
      if (port == 0) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(o.host(), 0));
          port = s.getLocalPort();
        }
      }
      boolean tls = o.tlsCert().isPresent();
      String baseUrl = o.publicUrl().orElse((tls ? "https" : "http") + "://127.0.0.1:" + port);
      if (baseUrl.endsWith("/")) {
        baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
      }

      List<TrustAnchor> anchors = new ArrayList<>();
      anchors.add(TrustAnchor.intelProduction());
      Optional<SimPcsServer> simPcs = Optional.empty();
      URI pcs = o.pcsUrl();
      Optional<String> cacheSource = Optional.empty();
      if (o.simPlatform().isPresent()) {
        SimPlatform platform = SimPlatform.openOrCreate(o.simPlatform().get(), clock);
        anchors.add(TrustAnchor.fromCertificate(platform.rootCertificate()));
        // the simulated PCS listens on an ephemeral port: name the cache's source by the platform's root
        cacheSource = Optional.of("sim-root:" + java.util.HexFormat.of().formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(platform.rootCertificate().getEncoded())));
        SimPcsServer server = SimPcsServer.start(o.simPlatform().get(),
            new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), clock);
        opened.add(server);
        simPcs = Optional.of(server);
        pcs = server.baseUri();
        LOG.warning("trusting the SIMULATED platform root of " + o.simPlatform().get()
            + " — tokens for its quotes say x-kubesgx-simulated=true; never use this for real workloads");
      }
      for (Path p : o.extraTrustRoots()) {
        anchors.add(TrustAnchor.fromCertificate(readCertificate(p)));
      }

      CollateralService.Builder cb = CollateralService.builder().baseUrl(pcs).clock(clock).offline(o.offline());
      o.pcsApiKey().ifPresent(cb::apiKey);
      o.collateralCache().ifPresent(cb::cacheDirectory);
      cacheSource.ifPresent(cb::cacheSource);
      CollateralService collateral = cb.build();
      opened.add(collateral);
      for (Path b : o.collateralBundles()) {
        int n = collateral.importBundle(b);
        LOG.info("imported " + n + " collateral entries from " + b);
      }

      QuoteVerifier verifier = QuoteVerifier.newBuilder()
          .trustAnchors(TrustAnchors.of(anchors))
          .cache(VerificationCache.bounded(100_000))
          .build();

      AtomicFiles.createPrivateDirectory(o.stateDirectory()); // 0700: database and keys
      String dbUrl = o.databaseUrl().orElse("jdbc:sqlite:" + o.stateDirectory().resolve("attestation.db"));
      JdbcPolicyStore store = JdbcPolicyStore.open(dbUrl, o.databaseUser().orElse(null), o.databasePassword().orElse(null), clock);
      opened.add(store);

      Duration maxLifetime = AttestationService.MAX_LIFETIME;
      Path keysDir = o.keysDirectory().orElse(o.stateDirectory().resolve("keys"));
      KeyRing ring = KeyRing.directory(keysDir, !o.keysReadOnly(), o.signingAlgorithm(), "CN=" + baseUrl + ", O=kubesgx attestation service",
          clock, maxLifetime);
      TokenIssuer issuer = new TokenIssuer(ring, URI.create(baseUrl + "/certs"));

      List<X509Certificate> signers = new ArrayList<>();
      for (Path p : o.policySigners()) {
        signers.add(readCertificate(p));
      }
      AttestationService service = AttestationService.builder()
          .verifier(verifier)
          .collateral(new ServiceCollateral(collateral))
          .policyStore(store)
          .policyAuthorizer(new PolicyAuthorizer(signers, o.adminToken()))
          .tokenIssuer(issuer)
          .issuerUrl(baseUrl)
          .clock(clock)
          .tokenLifetime(o.tokenLifetime())
          .build();

      Optional<ScheduledExecutorService> rotation = Optional.empty();
      if (o.keyRotation().isPresent() && !o.keysReadOnly()) {
        Duration every = o.keyRotation().get();
        ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "key-rotation");
          t.setDaemon(true);
          return t;
        });
        long minutes = Math.max(1, Math.min(60, every.toMinutes() / 10));
        var unused = ses.scheduleAtFixedRate(() -> rotateIfDue(ring, every, clock), minutes, minutes, TimeUnit.MINUTES);
        rotation = Optional.of(ses);
      }

      Metrics metrics = new Metrics();
      metrics.freshnessGauges(collateral::health, () -> ring.signingKey().createdAt());
      java.util.function.Supplier<String> status =
          () -> ServiceStatus.json(clock.instant(), ring.signingKey(), collateral.health());
      HttpApi http = HttpApi.start(new ApiRouter(service, metrics, Optional.of(status)), metrics,
          new HttpApi.Config(o.host(), port, o.workers(), o.queue(), o.httpLimits(), 5000, o.tlsCert(), o.tlsKey()));
      return new AttestationServer(http, service, collateral, store, simPcs, rotation, baseUrl, List.copyOf(anchors));
    } catch (Exception e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static void rotateIfDue(KeyRing ring, Duration every, Clock clock) {
    try {
      if (ring.signingKey().activatesAt().plus(every).isBefore(clock.instant())) {
        // Pre-publish for an hour (or a tenth of the period) so cached JWKS learn the key first.
        Duration pre = every.dividedBy(10).compareTo(Duration.ofHours(1)) < 0 ? every.dividedBy(10) : Duration.ofHours(1);
        ring.rotate(pre);
        LOG.info("rotated the token-signing key; the new key signs in " + pre);
      }
    } catch (Exception e) {
      LOG.warning("key rotation failed (will retry): " + e);
    }
  }

  private static X509Certificate readCertificate(Path p) throws Exception {
    byte[] data = Files.readAllBytes(p);
    String text = new String(data, java.nio.charset.StandardCharsets.US_ASCII);
    byte[] der = text.contains("-----BEGIN") ? Pem.decodeAll(data, "CERTIFICATE").get(0).toByteArray() : data;
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  /** Returns the bound port. */
  public int port() {
    return http.port();
  }

  /** Returns the public base URL ({@code iss}). */
  public String baseUrl() {
    return baseUrl;
  }

  /** Returns the service. */
  public AttestationService service() {
    return service;
  }

  /** Returns the collateral service. */
  public CollateralService collateral() {
    return collateral;
  }

  /** Returns the trust anchors in use. */
  public List<TrustAnchor> trustAnchors() {
    return anchors;
  }

  /** Returns the simulated PCS, when running with a simulated platform. */
  public Optional<URI> simPcsUrl() {
    return simPcs.map(SimPcsServer::baseUri);
  }

  @Override
  public void close() {
    http.close();
    rotation.ifPresent(ScheduledExecutorService::shutdownNow);
    collateral.close();
    store.close();
    simPcs.ifPresent(SimPcsServer::close);
  }
}
