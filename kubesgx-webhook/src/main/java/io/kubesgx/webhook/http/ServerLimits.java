package io.kubesgx.webhook.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Every limit of the webhook's HTTPS server in one place.
 *
 * @param maxConnections open connections at once; more are closed at once and counted
 * @param requestDeadline absolute time a connection has, from accept (or from the previous
 *     response), to deliver a whole request (headers and body) and receive its answer
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
        || queueCapacity < 1 || requestDeadline.isNegative() || requestDeadline.isZero()) {
      throw new IllegalArgumentException("server limits must be positive");
    }
  }

  /**
   * Defaults: 256 connections, 10 s per request (the API server's default webhook timeout), a
   * 3 MiB body, 16 KiB of headers, 2 workers and 128 queued decisions.
   */
  public static ServerLimits defaults() {
    return new ServerLimits(256, Duration.ofSeconds(10), DEFAULT_MAX_BODY, 16 * 1024, 2, 128);
  }
}
