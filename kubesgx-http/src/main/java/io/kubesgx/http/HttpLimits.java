package io.kubesgx.http;

import java.time.Duration;

/**
 * The bounds {@link BoundedHttp} enforces. All are validated at construction.
 *
 * @param maxConnections open connections at most; more are closed as soon as they are seen
 * @param maxStreamsPerConnection concurrent HTTP/2 streams per connection (advertised in SETTINGS)
 * @param headerDeadline a connection must deliver a complete request head this long after it
 *     opened (or after its previous answer); absolute, bytes arriving do not extend it
 * @param requestDeadline a request must be received in full and answered this long after its
 *     head arrived; absolute, bytes arriving do not extend it
 * @param maxBodyBytes largest request body
 * @param bodyBudgetBytes request-body bytes buffered at once across all requests, from the first
 *     byte until the answer is written; the last quarter is kept for bodies of at most {@link
 *     #SMALL_BODY_BYTES}, so slow large uploads cannot starve small requests
 */
public record HttpLimits(
    int maxConnections,
    int maxStreamsPerConnection,
    Duration headerDeadline,
    Duration requestDeadline,
    int maxBodyBytes,
    long bodyBudgetBytes) {

  /** Bodies up to this size may use the whole budget; larger ones only three quarters of it. */
  public static final int SMALL_BODY_BYTES = 64 * 1024;

  /** Validates the bounds. */
  public HttpLimits {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("the connection limit must be at least 1, not " + maxConnections);
    }
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException("the HTTP/2 stream limit must be at least 1, not " + maxStreamsPerConnection);
    }
    if (headerDeadline.compareTo(Duration.ofMillis(100)) < 0 || headerDeadline.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("the header deadline must be between 100 ms and 1 h, not " + headerDeadline);
    }
    if (requestDeadline.compareTo(Duration.ofMillis(100)) < 0 || requestDeadline.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("the request deadline must be between 100 ms and 1 h, not " + requestDeadline);
    }
    if (maxBodyBytes < 0) {
      throw new IllegalArgumentException("the body limit must not be negative, not " + maxBodyBytes);
    }
    if (bodyBudgetBytes < maxBodyBytes) {
      throw new IllegalArgumentException("the body budget (" + bodyBudgetBytes
          + " bytes) must hold at least one largest body (" + maxBodyBytes + " bytes)");
    }
  }

  /**
   * Defaults sized for a 256 MiB heap: 512 connections, 4 HTTP/2 streams each, 10 s for a request
   * head, 30 s for a whole request, bodies up to 1 MiB and 32 MiB of buffered bodies in all.
   */
  public static HttpLimits defaults() {
    return new HttpLimits(512, 4, Duration.ofSeconds(10), Duration.ofSeconds(30), 1 << 20, 32L << 20);
  }

  /** Returns a copy with another connection limit. */
  public HttpLimits withMaxConnections(int n) {
    return new HttpLimits(n, maxStreamsPerConnection, headerDeadline, requestDeadline, maxBodyBytes, bodyBudgetBytes);
  }

  /** Returns a copy with other deadlines. */
  public HttpLimits withDeadlines(Duration header, Duration request) {
    return new HttpLimits(maxConnections, maxStreamsPerConnection, header, request, maxBodyBytes, bodyBudgetBytes);
  }

  /** Returns a copy with another body limit and budget. */
  public HttpLimits withBodies(int maxBody, long budget) {
    return new HttpLimits(maxConnections, maxStreamsPerConnection, headerDeadline, requestDeadline, maxBody, budget);
  }
}
