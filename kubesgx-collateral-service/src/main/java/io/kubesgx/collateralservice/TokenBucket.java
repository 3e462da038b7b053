package io.kubesgx.collateralservice;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** A token bucket on the injected clock; never blocks, callers that find it empty fail fast. */
final class TokenBucket {
  private final Clock clock;
  private final double perSecond;
  private final int burst;
  private double tokens;
  private Instant last;

  TokenBucket(Clock clock, double perSecond, int burst) {
    this.clock = clock;
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.instant();
  }

  /** Takes {@code n} tokens when available and returns whether it did. */
  synchronized boolean tryAcquire(int n) {
    refill();
    if (tokens + 1e-9 < n) {
      return false;
    }
    tokens = Math.max(0, tokens - n);
    return true;
  }

  /** Returns how long until {@code n} tokens are available (zero when they are). */
  synchronized Duration timeUntil(int n) {
    refill();
    double missing = n - tokens;
    if (missing <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis((long) Math.ceil(missing / perSecond * 1000.0));
  }

  private void refill() {
    Instant now = clock.instant();
    if (now.isAfter(last)) {
      double seconds = Duration.between(last, now).toNanos() / 1e9;
      tokens = Math.min(burst, tokens + seconds * perSecond);
      last = now;
    }
  }
}
