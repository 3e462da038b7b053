package io.kubesgx.keybroker.http;

/**
 * Every bound the HTTP server enforces, in one place (so the services can share one hardening
 * component later).
 *
 * @param maxConnections open connections accepted; more are closed at once
 * @param requestDeadlineMillis absolute deadline from a request's first byte to its answer; past it
 *     the request is answered 503 and its connection closed (not an idle timer: slow senders cannot extend it)
 * @param maxBodyBytes largest request body (413 above)
 * @param workers worker threads
 * @param queue requests waiting for a worker before 429
 * @param queueDeadlineMillis longest wait for a worker before 503 without processing
 */
public record ServerLimits(
    int maxConnections, long requestDeadlineMillis, int maxBodyBytes, int workers, int queue, long queueDeadlineMillis) {
  /** Checks that every bound is positive. */
  public ServerLimits {
    if (maxConnections < 1 || requestDeadlineMillis < 1 || maxBodyBytes < 1 || workers < 1 || queue < 1
        || queueDeadlineMillis < 1) {
      throw new IllegalArgumentException("every server limit must be positive");
    }
  }

  /** Defaults: 512 connections, 10 s per request, 256 KiB bodies, 2 workers per CPU, 256 queued, 5 s queue wait. */
  public static ServerLimits defaults() {
    int cpus = Runtime.getRuntime().availableProcessors();
    return new ServerLimits(512, 10_000, 256 * 1024, Math.max(2, 2 * cpus), 256, 5_000);
  }
}
