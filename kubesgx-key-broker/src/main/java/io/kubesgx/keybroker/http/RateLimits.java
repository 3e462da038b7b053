package io.kubesgx.keybroker.http;

import java.util.Objects;

/**
 * Per-caller rate limits: a token bucket per caller identity (admin token id, service-account
 * subject, or — for requests without a valid token — the remote address) for all requests and one
 * for releases and dry-runs. Bucket tables are bounded; a caller evicted from a full table starts
 * again with a full bucket.
 *
 * @param requests every request of an authenticated caller
 * @param releases releases and dry-runs of an authenticated caller (counted in {@code requests} too)
 * @param anonymous requests without a valid bearer token, per remote address
 * @param maxCallers largest number of callers (and, separately, of remote addresses) tracked
 */
public record RateLimits(Rate requests, Rate releases, Rate anonymous, int maxCallers) {
  /**
   * A token bucket: {@code perSecond} tokens are added each second up to {@code burst}.
   *
   * @param perSecond refill rate (positive)
   * @param burst bucket size (at least 1)
   */
  public record Rate(double perSecond, long burst) {
    /** Checks the values. */
    public Rate {
      if (!(perSecond > 0) || Double.isInfinite(perSecond) || burst < 1) {
        throw new IllegalArgumentException("a rate limit needs a positive rate per second and a burst of at least 1");
      }
    }

    /** A rate of {@code perSecond} with a burst of twice that (at least 1). */
    public static Rate perSecond(double perSecond) {
      return new Rate(perSecond, Math.max(1, (long) Math.ceil(2 * perSecond)));
    }
  }

  /** Checks the values. */
  public RateLimits {
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(releases, "releases");
    Objects.requireNonNull(anonymous, "anonymous");
    if (maxCallers < 1) {
      throw new IllegalArgumentException("maxCallers must be positive");
    }
  }

  /**
   * Defaults: 1,000 requests/s and 500 releases/s per caller (bursts of twice that), 50 requests/s
   * per remote address without a valid token, 10,000 callers tracked.
   */
  public static RateLimits defaults() {
    return new RateLimits(Rate.perSecond(1000), Rate.perSecond(500), Rate.perSecond(50), 10_000);
  }
}
