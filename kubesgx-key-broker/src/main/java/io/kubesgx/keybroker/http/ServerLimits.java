package io.kubesgx.keybroker.http;

import io.kubesgx.http.HttpLimits;
import java.time.Duration;

/**
 * Every bound the key-broker server enforces: the shared HTTP bounds of {@link HttpLimits}
 * (connections, absolute header and request deadlines, body size and the global body budget, all
 * enforced by {@link io.kubesgx.http.BoundedHttp}) plus the broker's own worker pool and the
 * per-caller rate limits.
 *
 * @param http connection, deadline and body bounds
 * @param workers worker threads
 * @param queue requests waiting for a worker before 429
 * @param queueDeadlineMillis longest wait for a worker before 503 without processing
 * @param rateLimits per-caller token buckets (429 with {@code Retry-After} when empty)
 */
public record ServerLimits(HttpLimits http, int workers, int queue, long queueDeadlineMillis, RateLimits rateLimits) {
  /** Largest request body by default: a release carries one attestation token, a key import one JWK. */
  public static final int DEFAULT_MAX_BODY_BYTES = 256 * 1024;

  /** Checks that every bound is positive. */
  public ServerLimits {
    java.util.Objects.requireNonNull(http, "http");
    java.util.Objects.requireNonNull(rateLimits, "rateLimits");
    if (workers < 1 || queue < 1 || queueDeadlineMillis < 1) {
      throw new IllegalArgumentException("workers, queue and queue deadline must be positive");
    }
  }

  /** Bounds with the default rate limits. */
  public ServerLimits(HttpLimits http, int workers, int queue, long queueDeadlineMillis) {
    this(http, workers, queue, queueDeadlineMillis, RateLimits.defaults());
  }

  /**
   * Defaults: 512 connections, 10 s for a request head, 10 s per request, 256 KiB bodies, 32 MiB of
   * buffered bodies in all, 2 workers per CPU, 256 queued, 5 s queue wait, {@link RateLimits#defaults()}.
   */
  public static ServerLimits defaults() {
    int cpus = Runtime.getRuntime().availableProcessors();
    HttpLimits http = HttpLimits.defaults().withDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(10))
        .withBodies(DEFAULT_MAX_BODY_BYTES, 32L << 20);
    return new ServerLimits(http, Math.max(2, 2 * cpus), 256, 5_000);
  }

  /** Returns a copy with other HTTP bounds. */
  public ServerLimits withHttp(HttpLimits h) {
    return new ServerLimits(h, workers, queue, queueDeadlineMillis, rateLimits);
  }

  /** Returns a copy with another worker pool. */
  public ServerLimits withWorkers(int w, int q, long queueDeadline) {
    return new ServerLimits(http, w, q, queueDeadline, rateLimits);
  }

  /** Returns a copy with other per-caller rate limits. */
  public ServerLimits withRateLimits(RateLimits r) {
    return new ServerLimits(http, workers, queue, queueDeadlineMillis, r);
  }
}
