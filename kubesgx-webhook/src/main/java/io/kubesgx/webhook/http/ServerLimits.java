package io.kubesgx.webhook.http;

import io.kubesgx.http.HttpLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Every limit of the webhook's HTTPS server in one place.
 *
 * @param maxConnections open connections at once; more are closed at once and counted
 * @param requestDeadline absolute time a connection has from accept (or from the previous
 *     response) to deliver a request head, and then again from the head to deliver the body and
 *     receive the answer (between 100 ms and 1 h)
 * @param maxBodyBytes largest request body; larger ones get 413 and the connection is closed
 * @param maxHeaderBytes largest request header block
 * @param workers threads that run decisions
 * @param queueCapacity decisions waiting for a worker; beyond it requests get 503
 */
public record ServerLimits(int maxConnections, Duration requestDeadline, int maxBodyBytes,
    int maxHeaderBytes, int workers, int queueCapacity) {
  /** The API server's own request-size limit (3 MiB); AdmissionReviews are far smaller. */
  public static final int DEFAULT_MAX_BODY = 3 * 1024 * 1024;

  /** Validates the limits. */
  public ServerLimits {
    Objects.requireNonNull(requestDeadline, "requestDeadline");
    if (maxConnections < 1 || maxBodyBytes < 1 || maxHeaderBytes < 1024 || workers < 1
        || queueCapacity < 1) {
      throw new IllegalArgumentException("server limits must be positive");
    }
    if (requestDeadline.compareTo(Duration.ofMillis(100)) < 0
        || requestDeadline.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("the request deadline must be between 100 ms and 1 h, "
          + "not " + requestDeadline);
    }
  }

  /**
   * Returns the {@link HttpLimits} these limits mean: the same connection cap and body cap, the
   * request deadline for both the head and the rest, one stream per connection (HTTP/1.1 only),
   * and a body budget of {@code max(32 MiB, 2 × maxBodyBytes)} so that a largest body always fits.
   */
  public HttpLimits httpLimits() {
    return new HttpLimits(maxConnections, 1, requestDeadline, requestDeadline, maxBodyBytes,
        Math.max(32L << 20, 2L * maxBodyBytes));
  }

  /**
   * Defaults: 256 connections, 10 s per request (the API server's default webhook timeout), a
   * 3 MiB body, 16 KiB of headers, 2 workers and 128 queued decisions.
   */
  public static ServerLimits defaults() {
    return new ServerLimits(256, Duration.ofSeconds(10), DEFAULT_MAX_BODY, 16 * 1024, 2, 128);
  }
}
