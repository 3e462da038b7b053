package io.kubesgx.keybroker.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Applies {@link RateLimits}: token buckets per caller in size-bounded tables (Caffeine), so the
 * memory used does not grow with the number of distinct callers or addresses. Thread-safe.
 */
final class CallerRateLimiter {
  /** What a bucket is for. */
  enum Scope {
    REQUESTS, RELEASES, ANONYMOUS;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final RateLimits limits;
  private final LongSupplier nanoTime;
  private final Cache<String, Bucket> callers;
  private final Cache<String, Bucket> anonymous;

  CallerRateLimiter(RateLimits limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.nanoTime = nanoTime;
    Ticker ticker = nanoTime::getAsLong;
    // Idle buckets are full again after burst/rate seconds; keeping them longer buys nothing.
    this.callers = Caffeine.newBuilder().maximumSize(limits.maxCallers()).ticker(ticker)
        .expireAfterAccess(Duration.ofMinutes(10)).build();
    this.anonymous = Caffeine.newBuilder().maximumSize(limits.maxCallers()).ticker(ticker)
        .expireAfterAccess(Duration.ofMinutes(10)).build();
  }

  /**
   * Takes one token from {@code who}'s bucket for {@code scope}; returns 0 when taken, else the
   * seconds (at least 1) after which one will be available.
   */
  long acquire(Scope scope, String who) {
    RateLimits.Rate rate = switch (scope) {
      case REQUESTS -> limits.requests();
      case RELEASES -> limits.releases();
      case ANONYMOUS -> limits.anonymous();
    };
    Cache<String, Bucket> table = scope == Scope.ANONYMOUS ? anonymous : callers;
    String key = scope == Scope.ANONYMOUS ? who : scope.label() + "\n" + who;
    Bucket b = table.get(key, k -> new Bucket(rate, nanoTime.getAsLong()));
    return b.take(nanoTime.getAsLong());
  }

  /** One token bucket (tokens as a fraction, refilled lazily on use). */
  private static final class Bucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long last;

    Bucket(RateLimits.Rate rate, long now) {
      this.perNano = rate.perSecond() / 1e9;
      this.burst = rate.burst();
      this.tokens = burst;
      this.last = now;
    }

    synchronized long take(long now) {
      if (now > last) {
        tokens = Math.min(burst, tokens + (now - last) * perNano);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      double waitNanos = (1 - tokens) / perNano;
      return Math.max(1, (long) Math.ceil(waitNanos / 1e9));
    }
  }
}
