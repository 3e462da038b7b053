package io.kubesgx.attestation.cli;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.attestation.token.SigningAlgorithm;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes request bodies of simulated quotes for an external load generator ({@code --bodies-out},
 * used by {@code bench/attestation.sh} with wrk), or runs a quick in-JVM closed loop against the
 * service. The documented figures come from wrk: a JVM client on the same 2 cores costs the
 * service more CPU than wrk does.
 */
@Command(name = "attestation-bench", mixinStandardHelpOptions = true,
    description = "Request bodies of simulated quotes for wrk (--bodies-out), or a quick in-JVM closed-loop benchmark of the attestation service.")
public final class AttestationBenchCommand implements Callable<Integer> {
  @Option(names = "--url", paramLabel = "URL", description = "Benchmark a running service (its --sim DIR must be given as --sim too).")
  String url;

  @Option(names = "--sim", paramLabel = "DIR", description = "Simulated platform directory (default: a temporary one).")
  Path sim;

  @Option(names = "--signing-alg", description = "Signing algorithm of an in-process service (default ${DEFAULT-VALUE}).")
  String alg = "RS256";

  @Option(names = "--clients", description = "Concurrent requests in the closed loop (default ${DEFAULT-VALUE}).")
  int clients = 32;

  @Option(names = "--seconds", description = "Duration of each phase (default ${DEFAULT-VALUE}).")
  int seconds = 10;

  @Option(names = "--quotes", description = "Distinct quotes to cycle through (default ${DEFAULT-VALUE}).")
  int quotes = 64;

  @Option(names = "--bodies-out", paramLabel = "DIR",
      description = "Only write the request bodies (body0.json …) for an external load generator such as wrk, then exit.")
  Path bodiesOut;


  @Override
  public Integer call() throws Exception {
    if (sim != null && (url != null || bodiesOut != null) && !Files.isRegularFile(sim.resolve("platform.json"))) {
      throw io.kubesgx.common.cli.CliException.usage("no simulated platform in " + sim
          + " (check the --sim spelling; give the running service's --sim DIR); create one with `kubesgx sim init --platform "
          + sim + "`");
    }
    String provider = CryptoProviders.installPreferred();
    Path dir = sim != null ? sim : Files.createTempDirectory("kubesgx-attest-bench");
    AttestationServer server = null;
    String base = url;
    if (base == null && bodiesOut == null) {
      server = AttestationServer.start(ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform"))
          .withSigningAlgorithm(SigningAlgorithm.parse(alg)), Clock.systemUTC());
      base = server.baseUrl();
    }
    SimPlatform platform = SimPlatform.openOrCreate(sim != null && (url != null || bodiesOut != null) ? sim : dir.resolve("platform"),
        Clock.systemUTC());
    List<byte[]> bodies = new ArrayList<>();
    SimEnclave app = AppEnclave.newBuilder().mrEnclave(Bytes.of("bench".getBytes(StandardCharsets.US_ASCII)).sha256()).build();
    for (int i = 0; i < quotes; i++) {
      byte[] runtime = ("{\"bench\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      Report r = platform.cpu().ereport(app, platform.quotingEnclave().targetInfo(), Bytes.of(runtime).sha256().concat(Bytes.zeros(32)));
      byte[] q = platform.quotingEnclave().quote(r, 3);
      Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
      bodies.add(("{\"quote\":\"" + e.encodeToString(q) + "\",\"runtimeData\":{\"data\":\"" + e.encodeToString(runtime)
          + "\",\"dataType\":\"JSON\"}}").getBytes(StandardCharsets.UTF_8));
    }
    if (bodiesOut != null) {
      Files.createDirectories(bodiesOut);
      for (int i = 0; i < bodies.size(); i++) {
        Files.write(bodiesOut.resolve("body" + i + ".json"), bodies.get(i));
      }
      System.out.println("wrote " + bodies.size() + " request bodies to " + bodiesOut);
      return 0;
    }
    URI target = URI.create(base + "/attest/SgxEnclave?api-version=2022-08-01");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    System.out.println("attestation bench: " + base + ", crypto " + provider + ", signing " + alg + ", " + quotes + " quotes, "
        + Runtime.getRuntime().availableProcessors() + " CPUs (load generator in the same machine)");

    closedLoop(http, target, bodies, clients, 3, false);
    closedLoop(http, target, bodies, clients, seconds, true);
    if (server != null) {
      server.close();
    }
    return 0;
  }

  private static double closedLoop(HttpClient http, URI target, List<byte[]> bodies, int clients, int seconds, boolean print)
      throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    LongAdder ok = new LongAdder();
    Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    AtomicLong next = new AtomicLong();
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loop(http, target, bodies, next, end, ok, statuses, latencies, done);
      loops.add(done);
    }
    CompletableFuture.allOf(loops.toArray(new CompletableFuture<?>[0])).get();
    double secs = (System.nanoTime() - start) / 1e9;
    double tput = ok.sum() / secs;
    if (print) {
      long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf("closed loop: %d clients, %.1f s: %.0f attestations/s; latency p50 %.2f ms, p99 %.2f ms; statuses %s%n",
          clients, secs, tput, pct(l, 50), pct(l, 99), statuses);
    }
    return tput;
  }

  private static void loop(HttpClient http, URI target, List<byte[]> bodies, AtomicLong next, long end, LongAdder ok,
      Map<Integer, LongAdder> statuses, List<Long> latencies, CompletableFuture<Void> done) {
    if (System.nanoTime() >= end) {
      done.complete(null);
      return;
    }
    byte[] body = bodies.get((int) (next.getAndIncrement() % bodies.size()));
    long t0 = System.nanoTime();
    var unused = http.sendAsync(HttpRequest.newBuilder(target).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.discarding())
        .whenComplete((resp, err) -> {
          int status = err != null ? -1 : resp.statusCode();
          statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
          if (status == 200) {
            ok.increment();
            latencies.add(System.nanoTime() - t0);
          }
          loop(http, target, bodies, next, end, ok, statuses, latencies, done);
        });
  }

  private static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
