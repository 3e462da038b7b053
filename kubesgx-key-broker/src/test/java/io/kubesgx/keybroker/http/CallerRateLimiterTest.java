package io.kubesgx.keybroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubesgx.keybroker.http.CallerRateLimiter.Scope;
import io.kubesgx.keybroker.http.RateLimits.Rate;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token buckets with a fake clock: burst, refill, Retry-After, and independent callers and scopes. */
class CallerRateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final CallerRateLimiter limiter = new CallerRateLimiter(
      new RateLimits(new Rate(2, 3), new Rate(0.5, 1), new Rate(1, 1), 100), now::get);

  @Test
  void acquire_burstThenEmpty_retryAfterFromRate() {
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(1, limiter.acquire(Scope.REQUESTS, "a"), "2/s: the next token in 0.5 s, rounded up to 1 s");
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "b"), "callers are independent");
  }

  @Test
  void acquire_afterRefill_tokensComeBackUpToBurst() {
    for (int i = 0; i < 3; i++) {
      limiter.acquire(Scope.REQUESTS, "a");
    }
    now.addAndGet(500_000_000L); // one token at 2/s
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(1, limiter.acquire(Scope.REQUESTS, "a"));
    now.addAndGet(3600_000_000_000L); // long idle: refilled to the burst only
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"));
    assertEquals(1, limiter.acquire(Scope.REQUESTS, "a"));
  }

  @Test
  void acquire_releaseScope_ownBucketAndSlowerRetryAfter() {
    assertEquals(0, limiter.acquire(Scope.RELEASES, "a"));
    assertEquals(2, limiter.acquire(Scope.RELEASES, "a"), "0.5/s: the next token in 2 s");
    assertEquals(0, limiter.acquire(Scope.REQUESTS, "a"), "the request bucket is separate");
    assertEquals(0, limiter.acquire(Scope.ANONYMOUS, "a"), "so is the per-address bucket");
  }
}
