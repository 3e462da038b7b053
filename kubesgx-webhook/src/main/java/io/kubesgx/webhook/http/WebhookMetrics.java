package io.kubesgx.webhook.http;

import io.kubesgx.webhook.rules.DenyReason;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The webhook's Prometheus metrics; one registry per server instance. */
public final class WebhookMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter reviews;
  private final Counter denied;
  private final Counter rejected;
  private final Histogram latency;

  /** Creates the metrics in a fresh registry. */
  public WebhookMetrics() {
    reviews = Counter.builder().name("kubesgx_webhook_reviews_total")
        .help("AdmissionReviews answered, by endpoint and outcome (allowed, mutated, denied, "
            + "malformed)")
        .labelNames("endpoint", "outcome").register(registry);
    denied = Counter.builder().name("kubesgx_webhook_denied_total")
        .help("Pods denied, by endpoint and reason").labelNames("endpoint", "reason")
        .register(registry);
    rejected = Counter.builder().name("kubesgx_webhook_rejected_requests_total")
        .help("Requests refused before a decision, by cause (overload or a "
            + "kubesgx-http refusal such as connection_limit, body_too_large, body_deadline)")
        .labelNames("cause").register(registry);
    latency = Histogram.builder().name("kubesgx_webhook_decision_seconds")
        .help("Time from a complete request body to the response bytes, by endpoint")
        .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1)
        .labelNames("endpoint").register(registry);
  }

  void review(String endpoint, String outcome) {
    reviews.labelValues(endpoint, outcome).inc();
  }

  void denied(String endpoint, DenyReason reason) {
    denied.labelValues(endpoint, reason.name().toLowerCase(java.util.Locale.ROOT)).inc();
  }

  /** Counts a request refused before a decision. */
  public void rejected(String cause) {
    rejected.labelValues(cause).inc();
  }

  void latency(String endpoint, double seconds) {
    latency.labelValues(endpoint).observe(seconds);
  }

  /** Returns the registry. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Returns the Prometheus text exposition. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
