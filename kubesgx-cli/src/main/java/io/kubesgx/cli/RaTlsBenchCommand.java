package io.kubesgx.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.ratls.CollateralSource;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.jsse.RaTlsContexts;
import io.kubesgx.ratls.jsse.RaTlsKeyManager;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerificationCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx ratls-bench}: full mutual RA-TLS handshakes over loopback between two simulated
 * enclaves (different MRENCLAVEs, each side's policy naming the other), with the RA-TLS
 * verification cache on or off, reporting handshakes per second and latency percentiles.
 *
 * <p>Each handshake is a new TCP connection whose TLS session is invalidated afterwards on both
 * sides (no resumption), followed by one byte each way so that the server has verified the client
 * before the handshake counts as done. With {@code --cache off} every handshake verifies both quotes
 * in full (collateral parsed once, no signature cache); with {@code --cache on} a repeated
 * certificate is answered from the RA-TLS verifier's cache.
 */
@Command(name = "ratls-bench", mixinStandardHelpOptions = true,
    description = "Benchmark full mutual RA-TLS handshakes (SSLSocket, loopback, simulated enclaves) with verification cached or not.")
final class RaTlsBenchCommand implements Callable<Integer> {
  /** Whether the verifiers cache results. */
  enum CacheMode { on, off }

  private static final int MAX_HANDSHAKES = 1_000_000;
  private static final int MAX_THREADS = 64;
  private static final Duration IO_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Option(names = "--cache", paramLabel = "on|off", defaultValue = "on",
      description = "Cache verified RA-TLS certificates (and quote verification facts) or verify every handshake in full (default ${DEFAULT-VALUE}).")
  CacheMode cache;

  @Option(names = "--handshakes", paramLabel = "N", defaultValue = "500", description = "Measured handshakes (default ${DEFAULT-VALUE}).")
  int handshakes;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "50", description = "Unmeasured handshakes first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--threads", paramLabel = "T", defaultValue = "2",
      description = "Client threads, each doing handshakes back to back; the server handles as many at once (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--platform", paramLabel = "DIR",
      description = "An existing simulated platform (made by 'kubesgx sim init'); default a new one in a temporary directory, removed afterwards.")
  Path platformDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (handshakes < 1 || handshakes > MAX_HANDSHAKES || warmup < 0 || warmup > MAX_HANDSHAKES) {
      err.println("error: --handshakes must be 1.." + MAX_HANDSHAKES + " and --warmup 0.." + MAX_HANDSHAKES);
      return Main.USAGE_OR_IO;
    }
    if (threads < 1 || threads > MAX_THREADS) {
      err.println("error: --threads must be 1.." + MAX_THREADS);
      return Main.USAGE_OR_IO;
    }
    if (platformDir != null && !Files.isDirectory(platformDir)) {
      err.println("error: no simulated platform directory at " + platformDir + "; create one with 'kubesgx sim init --platform "
          + platformDir + "' or leave --platform out");
      return Main.USAGE_OR_IO;
    }
    String provider = CryptoProviders.installPreferred();
    Clock clock = Clock.systemUTC();
    Path temp = platformDir == null ? Files.createTempDirectory("kubesgx-ratls-bench") : null;
    try {
      SimPlatform platform;
      try {
        platform = temp != null ? SimPlatform.openOrCreate(temp, clock) : SimPlatform.open(platformDir, clock);
      } catch (IOException e) {
        err.println("error: cannot open the simulated platform in " + platformDir + ": " + CliException.describe(e));
        return Main.USAGE_OR_IO;
      } catch (MalformedInputException e) {
        err.println("error: the simulated platform in " + platformDir + " is damaged: " + e.getMessage()
            + "; make a new one with 'kubesgx sim init'");
        return Main.USAGE_OR_IO;
      }
      return run(platform, clock, provider, out, err);
    } finally {
      if (temp != null) {
        deleteTree(temp);
      }
    }
  }

  private int run(SimPlatform platform, Clock clock, String provider, PrintWriter out, PrintWriter err) throws Exception {
    String mrA = "a1".repeat(32);
    String mrB = "b2".repeat(32);
    CollateralSource collateral = CollateralSource.fixed(platform.collateral().toCollateral());
    TrustAnchors anchors = TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate())));
    try (RaTlsKeyManager clientKeys = RaTlsKeyManager.create(issuer(platform, mrA, clock));
        RaTlsKeyManager serverKeys = RaTlsKeyManager.create(issuer(platform, mrB, clock))) {
      SSLContext server = RaTlsContexts.mutual(serverKeys, verifier(anchors, collateral, mrA, clock));
      SSLContext client = RaTlsContexts.mutual(clientKeys, verifier(anchors, collateral, mrB, clock));
      ExecutorService serverPool = Executors.newFixedThreadPool(threads + 1, daemon("ratls-bench-server"));
      ExecutorService clientPool = Executors.newFixedThreadPool(threads, daemon("ratls-bench-client"));
      try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
          .createServerSocket(0, Math.max(50, threads * 4), InetAddress.getLoopbackAddress())) {
        AtomicInteger serverErrors = new AtomicInteger();
        serverPool.submit(() -> acceptLoop(ss, serverPool, serverErrors));
        runPhase(client, ss.getLocalPort(), warmup, clientPool);
        double load = loadAverage();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        long[] latencies = runPhase(client, ss.getLocalPort(), handshakes, clientPool);
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuStart;
        Arrays.sort(latencies);
        out.printf(Locale.ROOT, "ratls-bench: %d mutual RA-TLS handshakes (TLSv1.3, P-384, new connection and no resumption each),"
                + " %d client threads, verification cache %s, provider %s, java %s, load average before %.2f%n",
            handshakes, threads, cache, provider, System.getProperty("java.version"), load);
        out.printf(Locale.ROOT, "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
            ms(latencies, 0.50), ms(latencies, 0.90), ms(latencies, 0.99), latencies[latencies.length - 1] / 1e6);
        if (cpuStart >= 0 && cpu >= 0) {
          // Both ends run in this process: CPU time per handshake counts client and server work.
          out.printf(Locale.ROOT, "process_cpu_ms_per_handshake=%.2f (client and server together)%n", cpu / 1e6 / handshakes);
        }
        out.printf(Locale.ROOT, "handshakes_per_second=%.1f%n", handshakes / seconds);
        out.flush();
        if (serverErrors.get() > 0) {
          err.println("error: " + serverErrors.get() + " server-side handshakes failed");
          return Main.REJECTED;
        }
        return Main.OK;
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        err.println("error: a handshake failed, nothing to benchmark: "
            + (c instanceof IOException io ? CliException.describe(io) : String.valueOf(c.getMessage())));
        return Main.REJECTED;
      } finally {
        clientPool.shutdownNow();
        serverPool.shutdownNow();
      }
    } catch (RaTlsException e) {
      err.println("error: cannot issue an RA-TLS certificate on the simulated platform: " + e.getMessage());
      return Main.REJECTED;
    }
  }

  private static RaTlsIssuer issuer(SimPlatform platform, String mrEnclave, Clock clock) throws MalformedInputException {
    SimEnclave e = AppEnclave.newBuilder().mrEnclave(Bytes.fromHex(mrEnclave)).product(1, 1).build();
    return RaTlsIssuer.builder().quoteProvider(SimQuoteProvider.create(platform, e)).clock(clock).build();
  }

  private RaTlsVerifier verifier(TrustAnchors anchors, CollateralSource collateral, String peerMrEnclave, Clock clock) {
    QuoteVerifier qv = QuoteVerifier.newBuilder().trustAnchors(anchors)
        .cache(cache == CacheMode.on ? VerificationCache.bounded(4096) : VerificationCache.none())
        .build();
    RaTlsVerifier.Builder b = RaTlsVerifier.builder().quoteVerifier(qv).collateral(collateral)
        .policy(RaTlsPolicy.builder().mrEnclave(peerMrEnclave).build()).clock(clock);
    if (cache == CacheMode.on) {
      b.cache(1024, Duration.ofHours(1));
    }
    return b.build();
  }

  /** Runs {@code n} handshakes on the client threads; returns their latencies in nanoseconds. */
  private long[] runPhase(SSLContext client, int port, int n, ExecutorService pool) throws Exception {
    if (n == 0) {
      return new long[0];
    }
    AtomicInteger next = new AtomicInteger();
    long[] latencies = new long[n];
    List<Future<Void>> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      running.add(pool.submit(() -> {
        for (int i; (i = next.getAndIncrement()) < n; ) {
          latencies[i] = handshake(client, port);
        }
        return null;
      }));
    }
    for (Future<Void> f : running) {
      f.get();
    }
    return latencies;
  }

  private static long handshake(SSLContext client, int port) throws IOException {
    long t0 = System.nanoTime();
    try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) IO_TIMEOUT.toMillis());
      s.startHandshake();
      s.getOutputStream().write(1);
      s.getOutputStream().flush();
      if (s.getInputStream().read() != 1) {
        throw new IOException("the server closed the connection: it refused this client");
      }
      long t = System.nanoTime() - t0;
      s.getSession().invalidate();
      return t;
    }
  }

  private static Void acceptLoop(SSLServerSocket ss, ExecutorService pool, AtomicInteger errors) {
    while (!ss.isClosed()) {
      SSLSocket a;
      try {
        a = (SSLSocket) ss.accept();
      } catch (IOException e) {
        return null; // closed at the end of the run
      }
      pool.submit(() -> serve(a, errors));
    }
    return null;
  }

  private static void serve(SSLSocket a, AtomicInteger errors) {
    try (a) {
      a.setSoTimeout((int) IO_TIMEOUT.toMillis());
      InputStream in = a.getInputStream();
      if (in.read() == 1) {
        a.getOutputStream().write(1);
        a.getOutputStream().flush();
      }
      a.getSession().invalidate();
    } catch (IOException e) {
      errors.incrementAndGet();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** CPU time of this process in nanoseconds, or -1 where the JVM does not report it. */
  private static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i] / 1e6;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // A temporary directory left behind is harmless; nothing to report.
    }
  }
}
