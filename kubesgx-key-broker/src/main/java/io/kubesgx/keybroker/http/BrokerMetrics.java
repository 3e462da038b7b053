package io.kubesgx.keybroker.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.LongSupplier;

/** Prometheus metrics of one key-broker server (its own registry). */
public final class BrokerMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests = Counter.builder().name("kubesgx_keybroker_requests_total")
      .help("Requests by route and HTTP status").labelNames("route", "status").register(registry);
  private final Histogram latency = Histogram.builder().name("kubesgx_keybroker_request_duration_seconds")
      .help("Time from request to answer by route").labelNames("route")
      .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10).register(registry);
  private final Counter rejected = Counter.builder().name("kubesgx_keybroker_rejected_total")
      .help("Requests refused for overload by cause").labelNames("cause").register(registry);
  private final Counter rateLimited = Counter.builder().name("kubesgx_keybroker_rate_limited_total")
      .help("Requests answered 429 by a per-caller rate limit, by bucket (requests, releases, anonymous)")
      .labelNames("scope").register(registry);

  /** Registers the gauges of queue depth, requests in progress, open connections and buffered body bytes. */
  public void gauges(LongSupplier queueDepth, LongSupplier inFlight, LongSupplier connections, LongSupplier bodyBytes) {
    GaugeWithCallback.builder().name("kubesgx_keybroker_queue_depth").help("Requests waiting for a worker")
        .callback(cb -> cb.call(queueDepth.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("kubesgx_keybroker_in_flight").help("Requests being processed")
        .callback(cb -> cb.call(inFlight.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("kubesgx_keybroker_connections").help("Open connections")
        .callback(cb -> cb.call(connections.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("kubesgx_keybroker_buffered_body_bytes").help("Request-body bytes held in memory")
        .callback(cb -> cb.call(bodyBytes.getAsLong())).register(registry);
  }

  /** Counts an answered request. */
  public void observe(String route, int status, long nanos) {
    requests.labelValues(route, Integer.toString(status)).inc();
    latency.labelValues(route).observe(nanos / 1e9);
  }

  /**
   * Counts a refused request or connection: {@code queue-full}, {@code queue-timeout}, or a {@link
   * io.kubesgx.http.Refusal#label()} ({@code connection_limit}, {@code header_deadline}, {@code
   * body_too_large}, {@code body_budget}, {@code body_deadline}, {@code response_deadline}).
   */
  public void rejected(String cause) {
    rejected.labelValues(cause).inc();
  }

  /** Counts a request refused by a per-caller rate limit ({@code requests}, {@code releases} or {@code anonymous}). */
  public void rateLimited(String scope) {
    rateLimited.labelValues(scope).inc();
  }

  /** Returns the text exposition format. */
  public String render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
