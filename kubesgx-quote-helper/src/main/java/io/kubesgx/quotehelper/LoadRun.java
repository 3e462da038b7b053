package io.kubesgx.quotehelper;

import io.kubesgx.aesm.AesmClient;
import io.kubesgx.aesm.AesmQuoteProvider;
import io.kubesgx.sdk.ReportSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Drives an AESM socket with N client threads for a fixed time and measures quotes per second; used
 * by {@code kubesgx quote-helper-bench} and the load test.
 *
 * <p>Modes: {@link Mode#FULL} is what an application does per quote — InitQuoteEx, EREPORT,
 * GetQuoteSizeEx, GetQuoteEx: three AESM connections; {@link Mode#QUOTE_ONLY} measures GetQuoteEx
 * alone (one connection) with a REPORT made once per thread.
 */
public final class LoadRun {
  /** What each iteration does. */
  public enum Mode {
    /** The SDK provider's whole flow: three AESM calls plus an EREPORT. */
    FULL,
    /** GetQuoteEx only. */
    QUOTE_ONLY
  }

  /** The outcome of a run. */
  public static final class Result {
    private final long quotes;
    private final long errors;
    private final Duration elapsed;
    private final long[] latencyNanos;
    private final String firstError;

    Result(long quotes, long errors, Duration elapsed, long[] latencyNanos, String firstError) {
      this.quotes = quotes;
      this.errors = errors;
      this.elapsed = elapsed;
      this.latencyNanos = latencyNanos;
      this.firstError = firstError;
    }

    /** Returns the number of quotes obtained. */
    public long quotes() {
      return quotes;
    }

    /** Returns the number of failed iterations. */
    public long errors() {
      return errors;
    }

    /** Returns the wall time of the run. */
    public Duration elapsed() {
      return elapsed;
    }

    /** Returns the first error message, if any. */
    public Optional<String> firstError() {
      return Optional.ofNullable(firstError);
    }

    /** Returns quotes per second. */
    public double rate() {
      return quotes / (elapsed.toNanos() / 1e9);
    }

    /** Returns the latency percentile {@code p} (0..100) of one iteration in milliseconds. */
    public double percentileMillis(double p) {
      if (latencyNanos.length == 0) {
        return 0;
      }
      int i = (int) Math.min(latencyNanos.length - 1, Math.max(0, Math.ceil(p / 100 * latencyNanos.length) - 1));
      return latencyNanos[i] / 1e6;
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT,
          "%d quotes in %.2f s = %.0f quotes/s (errors %d, p50 %.2f ms, p99 %.2f ms)",
          quotes, elapsed.toNanos() / 1e9, rate(), errors, percentileMillis(50), percentileMillis(99));
    }
  }

  private LoadRun() {}

  /**
   * Runs {@code threads} clients against {@code socket} for {@code duration}.
   *
   * @param sink receives every quote (called from the client threads; may be a no-op)
   */
  public static Result run(Path socket, ReportSource reports, Mode mode, int threads, Duration duration,
      Consumer<byte[]> sink) throws InterruptedException {
    AtomicLong quotes = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<long[]> perThread = new ArrayList<>();
    String[] firstError = new String[1];
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    long[] endAt = new long[1];
    for (int t = 0; t < threads; t++) {
      final int id = t;
      long[][] lat = {new long[1024]};
      int[] n = {0};
      Thread th = new Thread(() -> {
        AesmQuoteProvider provider = AesmQuoteProvider.newBuilder(reports).socket(socket)
            .startDeadline(Duration.ZERO).callTimeout(Duration.ofSeconds(30)).build();
        AesmClient client = AesmClient.create(socket, Duration.ofSeconds(30));
        byte[] rd = new byte[64];
        rd[0] = (byte) id;
        rd[1] = (byte) (id >>> 8);
        byte[] report = null;
        int size = 0;
        ready.countDown();
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        long seq = 0;
        while (System.nanoTime() - endAt[0] < 0) {
          long s = System.nanoTime();
          try {
            seq++;
            for (int i = 0; i < 8; i++) {
              rd[8 + i] = (byte) (seq >>> (8 * i));
            }
            byte[] q;
            if (mode == Mode.FULL) {
              q = provider.quote(rd);
            } else {
              if (report == null) {
                AesmClient.InitQuoteExResult init = client.initQuoteEx(Optional.empty(), false);
                report = reports.report(init.targetInfo(), rd);
                size = client.getQuoteSizeEx(Optional.empty());
              }
              q = client.getQuoteEx(report, Optional.empty(), Optional.empty(), size).quote();
            }
            long d = System.nanoTime() - s;
            if (n[0] == lat[0].length) {
              lat[0] = Arrays.copyOf(lat[0], lat[0].length * 2);
            }
            lat[0][n[0]++] = d;
            quotes.incrementAndGet();
            sink.accept(q);
          } catch (Exception e) {
            errors.incrementAndGet();
            synchronized (firstError) {
              if (firstError[0] == null) {
                firstError[0] = e.toString();
              }
            }
          }
        }
        synchronized (perThread) {
          perThread.add(Arrays.copyOf(lat[0], n[0]));
        }
      }, "load-client-" + t);
      th.setDaemon(true);
      ts.add(th);
      th.start();
    }
    ready.await();
    long start = System.nanoTime();
    endAt[0] = start + duration.toNanos();
    go.countDown();
    for (Thread th : ts) {
      th.join();
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    long[] all = perThread.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    return new Result(quotes.get(), errors.get(), elapsed, all, firstError[0]);
  }
}
