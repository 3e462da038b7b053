package io.kubesgx.quotehelper;

import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sdk.sim.SimReportSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.verifier.VerifiedQuote;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 200 concurrent clients (property {@code kubesgx.quotehelper.load.clients}) for 10 s (property
 * {@code kubesgx.quotehelper.load.seconds}) against
 * the sim backend, each running the SDK provider's full flow; every quote must verify with the
 * simulation root. Prints the rate.
 */
class QuoteHelperLoadTest {
  @Test
  void load_200ConcurrentClients_allQuotesVerify() throws Exception {
    int seconds = Integer.getInteger("kubesgx.quotehelper.load.seconds", 10);
    int clients = Integer.getInteger("kubesgx.quotehelper.load.clients", 200);
    SimFixture fx = SimFixture.get();
    Path dir = SimFixture.tempDir("qhl");
    Path socket = dir.resolve("aesm.socket");
    ConcurrentLinkedQueue<byte[]> quotes = new ConcurrentLinkedQueue<>();
    LoadRun.Result r;
    QuoteHelperServer server = QuoteHelperServer.newBuilder(socket, SimBackend.create(fx.platform, 3))
        .workers(8).queue(1024).backlog(512).timeout(Duration.ofSeconds(10)).build().start();
    try {
      r = LoadRun.run(socket, SimReportSource.create(fx.platform, AppEnclave.defaultEnclave()), LoadRun.Mode.FULL, clients,
          Duration.ofSeconds(seconds), quotes::add);
    } finally {
      server.close();
      SimFixture.deleteTree(dir);
    }
    System.out.println("QuoteHelperLoadTest: " + clients + " concurrent clients, full flow (3 AESM calls + EREPORT per quote): " + r
        + "; rejected connections " + server.metrics().rejectedCount());
    assertEquals(0, r.errors(), () -> "first error: " + r.firstError().orElse(""));
    assertTrue(r.quotes() > 0);
    assertEquals(r.quotes(), quotes.size());

    long t0 = System.nanoTime();
    List<byte[]> all = new ArrayList<>(quotes);
    quotes.clear();
    AtomicLong failures = new AtomicLong();
    List<String> firstFailures = Collections.synchronizedList(new ArrayList<>());
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        final int from = t;
        fs.add(pool.submit(() -> {
          for (int i = from; i < all.size(); i += threads) {
            try {
              VerifiedQuote v = fx.verify(all.get(i));
              if (!v.isSimulated()) {
                throw new IllegalStateException("not simulated");
              }
            } catch (Exception e) {
              failures.incrementAndGet();
              if (firstFailures.size() < 3) {
                firstFailures.add(e.toString());
              }
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("QuoteHelperLoadTest: verified " + all.size() + " quotes with the simulation root in "
        + (System.nanoTime() - t0) / 1_000_000 + " ms");
    assertEquals(0, failures.get(), () -> "quotes failed verification: " + firstFailures);
  }
}
