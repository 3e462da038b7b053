package io.kubesgx.keybroker.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.http.RateLimits;
import io.kubesgx.keybroker.http.ServerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx key-broker-bench}: starts a key broker in-process on loopback (HTTPS with a fresh
 * EC P-256 test CA, SQLite in a temporary directory) and a throwaway OIDC issuer, creates one
 * exportable key with a release policy, mints many distinct target tokens, then releases the key
 * open-loop at a fixed rate (latency from each request's intended send time) and closed-loop at a
 * fixed concurrency (maximum throughput), over a bounded set of HTTP/1.1 keep-alive connections.
 */
@Command(name = "key-broker-bench", mixinStandardHelpOptions = true,
    description = "Benchmark key releases (POST /keys/{name}/release) over HTTPS on loopback: open loop at --rate, then closed loop.")
public final class KeyBrokerBenchCommand implements Callable<Integer> {
  private static final String ADMIN = "key-broker-bench-admin-token-0123456789abcdef";

  @Spec CommandSpec spec;

  @Option(names = "--rate", defaultValue = "750", description = "Open-loop releases per second (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds of each phase (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured warm-up seconds (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--connections", defaultValue = "16", description = "Most client connections, HTTP/1.1 keep-alive (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--concurrency", defaultValue = "32", description = "Requests in flight in the closed loop; 0 skips it (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--tokens", defaultValue = "2000", description = "Distinct target tokens, used round robin (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(names = "--transfer-keys", defaultValue = "8", description = "Distinct RSA-2048 transfer keys in the tokens (default: ${DEFAULT-VALUE}).")
  int transferKeys;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (rate < 1 || seconds < 1 || warmup < 0 || connections < 1 || concurrency < 0 || tokens < 1 || transferKeys < 1
        || tokens > 100_000 || transferKeys > 1000 || connections > 512 || concurrency > 10_000) {
      err.println("key-broker-bench: --rate, --seconds, --connections (≤ 512), --tokens (≤ 100000) and --transfer-keys (≤ 1000) "
          + "must be positive; --warmup and --concurrency (≤ 10000) not negative");
      return KeyBrokerCommand.USAGE_OR_IO;
    }
    if ((long) rate * (seconds + warmup) > 10_000_000L) {
      err.println("key-broker-bench: --rate times (--seconds + --warmup) must be at most 10000000 releases");
      return KeyBrokerCommand.USAGE_OR_IO;
    }
    KeyBrokerCommand.quietLibraries();
    Path dir = Files.createTempDirectory("kubesgx-key-broker-bench");
    HttpServer issuer = null;
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      KeyPair issuerPair = rsa();
      RSAKey issuerKey = new RSAKey.Builder((RSAPublicKey) issuerPair.getPublic()).privateKey(issuerPair.getPrivate()).keyID("bench").build();
      issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      String iss = "http://127.0.0.1:" + issuer.getAddress().getPort();
      serve(issuer, "/.well-known/openid-configuration", "{\"issuer\":\"" + iss + "\",\"jwks_uri\":\"" + iss + "/certs\","
          + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
      serve(issuer, "/certs", new JWKSet(issuerKey.toPublicJWK()).toString());
      issuer.start();
      String caPem = testTls(dir);
      KeyBrokerServer.Options o = KeyBrokerServer.Options.local(0, dir.resolve("state"), ADMIN, List.of(iss))
          .withTls(dir.resolve("tls.crt"), dir.resolve("tls.key")).withLimits(benchLimits());
      try (KeyBrokerServer broker = KeyBrokerServer.start(o, Clock.systemUTC())) {
        AtomicInteger opened = new AtomicInteger();
        HttpClient client = clientVertx.httpClientBuilder()
            .with(new HttpClientOptions().setSsl(true).setUseAlpn(false).setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
                .setDefaultHost("127.0.0.1").setDefaultPort(broker.port()))
            .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(100_000))
            .withConnectHandler(c -> opened.incrementAndGet())
            .build();
        String policy = Base64.getEncoder().encodeToString(("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + iss
            + "\",\"allOf\":[{\"claim\":\"x-ms-sgx-is-debuggable\",\"equals\":false},{\"claim\":\"x-ms-sgx-svn\","
            + "\"greaterOrEquals\":1}]}]}").getBytes(StandardCharsets.UTF_8));
        int created = send(client, "/keys/bench/create?api-version=7.5", Buffer.buffer("{\"kty\":\"oct-HSM\",\"key_size\":256,"
            + "\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\"" + policy + "\"}}"))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (created != 200) {
          err.println("key-broker-bench: creating the benchmark key failed with HTTP " + created);
          return 1;
        }
        List<Buffer> bodies = mint(issuerKey, iss, tokens, transferKeys);
        out.printf("key-broker-bench: 1 oct-256 key, %d distinct target tokens (%d transfer keys), RSA_AES_KEY_WRAP_256, HTTPS "
            + "(HTTP/1.1 keep-alive, at most %d connections), SQLite, release JWS %s; client and server share this JVM and its CPUs (%d)%n",
            tokens, transferKeys, connections, "ES256 (the TLS key)", Runtime.getRuntime().availableProcessors());
        out.println("key-broker-bench: per-caller rate limits lifted (one caller sends every release; a deployed broker "
            + "defaults to 500 releases/s per caller), other server limits at their defaults");
        openLoop(client, bodies, warmup * rate);
        Result r = openLoop(client, bodies, seconds * rate);
        out.printf("open loop: %d releases at %d/s, %d ok, errors %d %s%n", seconds * rate, rate, r.ok(), r.errorCount(), r.errors());
        r.printLatency(out);
        int exit = r.errorCount() == 0 ? 0 : 1;
        if (concurrency > 0) {
          closedLoop(client, bodies, concurrency, warmup);
          Result c = closedLoop(client, bodies, concurrency, seconds);
          out.printf("closed loop: %d in flight for %d s: %d ok = %.0f releases/s, errors %d %s%n", concurrency, seconds, c.ok(),
              c.ok() / (double) seconds, c.errorCount(), c.errors());
          c.printLatency(out);
          exit = c.errorCount() == 0 ? exit : 1;
        }
        out.printf("connections opened: %d; server audit entries: %d%n", opened.get(), broker.store().verifyAudit().entries());
        out.flush();
        return exit;
      }
    } catch (IOException e) {
      err.println("key-broker-bench: " + e.getMessage());
      return KeyBrokerCommand.USAGE_OR_IO;
    } finally {
      if (issuer != null) {
        issuer.stop(0);
      }
      clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      deleteTree(dir);
    }
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static void serve(HttpServer s, String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    s.createContext(path, ex -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
  }

  /** Writes a throwaway EC P-256 CA and a 127.0.0.1 certificate it issued; returns the CA PEM. */
  private static String testTls(Path dir) throws GeneralSecurityException, OperatorCreationException, IOException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair caKeys = g.generateKeyPair();
    KeyPair serverKeys = g.generateKeyPair();
    X500Name caName = new X500Name("CN=kubesgx key-broker-bench CA");
    Date from = Date.from(Instant.now().minusSeconds(600));
    Date to = Date.from(Instant.now().plusSeconds(86400));
    JcaX509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, caKeys.getPublic());
    cb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    X509Certificate ca = new JcaX509CertificateConverter()
        .getCertificate(cb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    JcaX509v3CertificateBuilder sb = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to, new X500Name("CN=127.0.0.1"),
        serverKeys.getPublic());
    sb.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    X509Certificate server = new JcaX509CertificateConverter()
        .getCertificate(sb.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    String caPem = Pem.encode("CERTIFICATE", Bytes.of(ca.getEncoded()));
    Files.writeString(dir.resolve("tls.crt"), Pem.encode("CERTIFICATE", Bytes.of(server.getEncoded())) + caPem);
    Files.writeString(dir.resolve("tls.key"), Pem.encode("PRIVATE KEY", Bytes.of(serverKeys.getPrivate().getEncoded())));
    return caPem;
  }

  /** Distinct tokens as an attestation service would issue them: each with its own jti and a transfer key in x-ms-runtime. */
  private static List<Buffer> mint(RSAKey issuerKey, String iss, int n, int keys) throws GeneralSecurityException, JOSEException {
    List<Map<String, Object>> runtimes = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      RSAKey t = new RSAKey.Builder((RSAPublicKey) rsa().getPublic()).keyOperations(Set.of(KeyOperation.ENCRYPT)).keyID("t" + i).build();
      runtimes.add(Map.of("keys", List.of(t.toJSONObject())));
    }
    RSASSASigner signer = new RSASSASigner(issuerKey);
    Date now = new Date();
    List<Buffer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(iss).issueTime(now).notBeforeTime(now)
          .expirationTime(new Date(now.getTime() + 3_600_000L)).jwtID("bench-" + i)
          .claim("x-ms-sgx-is-debuggable", false).claim("x-ms-sgx-svn", 1).claim("x-ms-runtime", runtimes.get(i % keys)).build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("bench").build(), claims);
      jwt.sign(signer);
      out.add(Buffer.buffer("{\"target\":\"" + jwt.serialize() + "\",\"enc\":\"RSA_AES_KEY_WRAP_256\"}"));
    }
    return out;
  }

  private static Future<Integer> send(HttpClient client, String uri, Buffer body) {
    RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST).setURI(uri)
        .putHeader("Content-Type", "application/json").putHeader("Authorization", "Bearer " + ADMIN);
    return client.request(opts).compose(req -> req.send(body).compose(resp -> resp.body().map(b -> resp.statusCode())));
  }

  /** Latencies of answered-200 requests and error counts by kind. */
  private record Result(long[] latencies, int ok, Map<String, Integer> errors) {
    int errorCount() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    void printLatency(PrintWriter out) {
      long[] l = Arrays.copyOf(latencies, Math.min(ok, latencies.length));
      Arrays.sort(l);
      if (l.length > 0) {
        out.printf("  latency ms (ok requests%s): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            latencies.length == ok ? "" : ", first " + latencies.length, ms(l, 0.50), ms(l, 0.90), ms(l, 0.99), ms(l, 0.999),
            l[l.length - 1] / 1e6);
      }
    }
  }

  /** Request i is due at start + i/rate whatever happened to the earlier ones; its latency runs from that due time. */
  private Result openLoop(HttpClient client, List<Buffer> bodies, int n) throws InterruptedException {
    long[] lat = new long[n];
    AtomicInteger ok = new AtomicInteger();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(n);
    long start = System.nanoTime();
    double intervalNanos = 1e9 / rate;
    for (int i = 0; i < n; i++) {
      long due = start + (long) (i * intervalNanos);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      send(client, "/keys/bench/release?api-version=7.5", bodies.get(i % bodies.size())).onComplete(ar -> {
        long took = System.nanoTime() - due;
        if (ar.succeeded() && ar.result() == 200) {
          int k = ok.getAndIncrement();
          if (k < lat.length) {
            lat[k] = took;
          }
        } else {
          errors.merge(ar.succeeded() ? "status_" + ar.result() : ar.cause().getClass().getSimpleName(), 1, Integer::sum);
        }
        done.countDown();
      });
    }
    if (!done.await(30, TimeUnit.SECONDS)) { // absolute bound on stragglers; the server's own deadline is 10 s
      errors.merge("unanswered_after_30s", (int) done.getCount(), Integer::sum);
    }
    return new Result(lat, Math.min(ok.get(), n), new TreeMap<>(errors));
  }

  /** {@code inFlight} requests at all times for {@code secs} seconds; each completion sends the next. */
  private static Result closedLoop(HttpClient client, List<Buffer> bodies, int inFlight, int secs) throws InterruptedException {
    long[] lat = new long[2_000_000];
    AtomicInteger ok = new AtomicInteger();
    AtomicLong next = new AtomicLong();
    Map<String, Integer> errors = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch stopped = new CountDownLatch(inFlight);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
    for (int i = 0; i < inFlight; i++) {
      loop(client, bodies, lat, ok, next, errors, running, stopped, end);
    }
    if (!stopped.await(secs + 30L, TimeUnit.SECONDS)) {
      running.set(false);
      errors.merge("unanswered_after_30s", (int) stopped.getCount(), Integer::sum);
    }
    return new Result(Arrays.copyOf(lat, Math.min(ok.get(), lat.length)), ok.get(), new TreeMap<>(errors));
  }

  private static void loop(HttpClient client, List<Buffer> bodies, long[] lat, AtomicInteger ok, AtomicLong next,
      Map<String, Integer> errors, AtomicBoolean running, CountDownLatch stopped, long end) {
    long sent = System.nanoTime();
    if (!running.get() || sent >= end) {
      stopped.countDown();
      return;
    }
    int i = (int) (next.getAndIncrement() % bodies.size());
    send(client, "/keys/bench/release?api-version=7.5", bodies.get(i)).onComplete(ar -> {
      long now = System.nanoTime();
      if (now <= end) { // count only answers inside the window
        if (ar.succeeded() && ar.result() == 200) {
          int k = ok.getAndIncrement();
          if (k < lat.length) {
            lat[k] = now - sent;
          }
        } else {
          errors.merge(ar.succeeded() ? "status_" + ar.result() : ar.cause().getClass().getSimpleName(), 1, Integer::sum);
        }
      }
      loop(client, bodies, lat, ok, next, errors, running, stopped, end);
    });
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory; left behind at worst
    }
  }

  /**
   * The broker's default {@link ServerLimits} except per-caller rate limits, which are lifted: the
   * bench is one caller, and it measures the broker, not the limiter.
   */
  static ServerLimits benchLimits() {
    RateLimits.Rate uncapped = RateLimits.Rate.perSecond(1e9);
    return ServerLimits.defaults().withRateLimits(new RateLimits(uncapped, uncapped, uncapped, RateLimits.defaults().maxCallers()));
  }
}
