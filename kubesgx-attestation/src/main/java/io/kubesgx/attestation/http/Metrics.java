package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.collateralservice.FmspcHealth;
import io.kubesgx.verifier.VerifiedQuote;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Prometheus metrics of the attestation service, kept in a registry of the Prometheus Java client
 * (one registry per instance, never the global default) and rendered by its exposition formats:
 * text 0.0.4 by default, OpenMetrics when the scraper asks for it in {@code Accept}.
 */
public final class Metrics {
  private static final double[] BUCKETS_SECONDS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  private static final ExpositionFormats FORMATS = ExpositionFormats.init();
  private static final Logger LOG = Logger.getLogger(Metrics.class.getName());

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Counter failures;
  private final Counter attestations;
  private final Histogram latency;
  private final Counter rejected;
  private final Counter refused;
  private volatile LongSupplier openConnections = () -> 0;
  private volatile LongSupplier bufferedBodyBytes = () -> 0;
  private volatile LongSupplier queueDepth = () -> 0;
  private volatile LongSupplier inFlight = () -> 0;
  private volatile Supplier<List<FmspcHealth>> collateral = List::of;
  private volatile Supplier<Instant> signingKeyCreatedAt = () -> null;

  /** A rendered scrape: the body and its content type. */
  public record Scrape(String contentType, byte[] body) {
    /** Returns the body as text (every format served here is UTF-8 text). */
    public String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Creates empty metrics with their own registry. */
  public Metrics() {
    requests = Counter.builder().name("kubesgx_attestation_requests_total")
        .help("HTTP requests by route and status.").labelNames("route", "status").withoutExemplars()
        .register(registry);
    failures = Counter.builder().name("kubesgx_attestation_errors_total")
        .help("Failed requests by route, error code and detail.").labelNames("route", "code", "detail")
        .withoutExemplars().register(registry);
    attestations = Counter.builder().name("kubesgx_attestation_tokens_total")
        .help("Tokens issued by TCB status and simulation.").labelNames("tcb_status", "simulated")
        .withoutExemplars().register(registry);
    latency = Histogram.builder().name("kubesgx_attestation_request_seconds")
        .help("Request latency by route.").labelNames("route").classicOnly()
        .classicUpperBounds(BUCKETS_SECONDS).withoutExemplars().register(registry);
    rejected = Counter.builder().name("kubesgx_attestation_rejected_total")
        .help("Requests refused with 429 because the work queue was full.").withoutExemplars()
        .register(registry);
    GaugeWithCallback.builder().name("kubesgx_attestation_queue_depth").help("Requests waiting for a worker.")
        .callback(cb -> cb.call(queueDepth.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("kubesgx_attestation_in_flight").help("Requests being processed.")
        .callback(cb -> cb.call(inFlight.getAsLong())).register(registry);
    refused = Counter.builder().name("kubesgx_attestation_http_refused_total")
        .help("Connections and requests refused by an HTTP bound, by reason.").labelNames("reason")
        .withoutExemplars().register(registry);
    GaugeWithCallback.builder().name("kubesgx_attestation_open_connections").help("HTTP connections open.")
        .callback(cb -> cb.call(openConnections.getAsLong())).register(registry);
    GaugeWithCallback.builder().name("kubesgx_attestation_body_buffered_bytes")
        .help("Request-body bytes held in memory (charged to the body budget).")
        .callback(cb -> cb.call(bufferedBodyBytes.getAsLong())).register(registry);
    // Computed at scrape time from the collateral service's state (the data of GET /status): one
    // series per cached collateral key (at most the service's key bound), gone once it is evicted.
    GaugeWithCallback.builder().name("kubesgx_attestation_collateral_next_update_seconds")
        .help("Epoch seconds of the earliest nextUpdate of each cached collateral set.")
        .labelNames("tee", "fmspc", "ca", "update", "source")
        .callback(cb -> {
          List<FmspcHealth> sets = snapshot(collateral);
          for (FmspcHealth h : sets == null ? List.<FmspcHealth>of() : sets) {
            if (h.nextUpdate().isPresent() && h.source().isPresent()) {
              cb.call(epochSeconds(h.nextUpdate().get()), h.key().tee().name().toLowerCase(Locale.ROOT),
                  h.key().fmspcHex(), h.key().ca().crlParameter(), h.key().update().parameter(),
                  h.source().get().name().toLowerCase(Locale.ROOT));
            }
          }
        }).register(registry);
    GaugeWithCallback.builder().name("kubesgx_attestation_signing_key_created_seconds")
        .help("Epoch seconds at which the key that signs tokens now was created.")
        .callback(cb -> {
          Instant created = snapshot(signingKeyCreatedAt);
          if (created != null) {
            cb.call(epochSeconds(created));
          }
        }).register(registry);
  }

  /** Reads a gauge source; a failing source leaves its gauge without samples instead of failing the scrape. */
  private static <T> T snapshot(Supplier<T> source) {
    try {
      return source.get();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "metrics: a gauge source failed: {0}", e.getClass().getSimpleName());
      return null;
    }
  }

  private static double epochSeconds(Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }

  /** Counts a finished request and its latency. */
  public void observe(String route, int status, long nanos) {
    requests.labelValues(route, Integer.toString(status)).inc();
    latency.labelValues(route).observe(Unit.nanosToSeconds(nanos));
  }

  /** Counts a failed request by its error code. */
  public void failed(String route, ApiError e) {
    failures.labelValues(route, e.code(), e.detailCode() == null ? "" : e.detailCode()).inc();
  }

  /** Counts a successful attestation by TCB status and simulation. */
  public void attested(VerifiedQuote v) {
    attestations.labelValues(v.status().jsonName(), Boolean.toString(v.isSimulated())).inc();
  }

  /** Counts a request refused because the work queue was full. */
  public void rejected() {
    rejected.inc();
  }

  /** Counts a connection or request refused by an HTTP bound (connection limit, deadline, body budget…). */
  public void refused(String reason) {
    refused.labelValues(reason).inc();
  }

  /** Sets the sources of the connection and buffered-body gauges. */
  public void httpGauges(LongSupplier openConnections, LongSupplier bufferedBodyBytes) {
    this.openConnections = openConnections;
    this.bufferedBodyBytes = bufferedBodyBytes;
  }

  /** Sets the gauges' sources. */
  public void gauges(LongSupplier queueDepth, LongSupplier inFlight) {
    this.queueDepth = queueDepth;
    this.inFlight = inFlight;
  }

  /**
   * Sets the sources of the freshness gauges: the collateral service's per-key health (the same data
   * as {@code GET /status}; keys without a cached set have no sample) and the creation time of the
   * key that signs tokens now.
   */
  public void freshnessGauges(Supplier<List<FmspcHealth>> collateral, Supplier<Instant> signingKeyCreatedAt) {
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.signingKeyCreatedAt = Objects.requireNonNull(signingKeyCreatedAt, "signingKeyCreatedAt");
  }

  /**
   * Renders the metrics in the format the scraper's {@code Accept} header asks for (the Prometheus
   * text format 0.0.4 when it is absent or names nothing else this service serves).
   */
  public Scrape scrape(String acceptHeader) {
    ExpositionFormatWriter writer = FORMATS.findWriter(acceptHeader);
    if (!writer.isAvailable()) { // protobuf asked for, but only the text formats are on the class path
      writer = FORMATS.getPrometheusTextFormatWriter();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return new Scrape(writer.getContentType(), out.toByteArray());
  }

  /** Renders the metrics in the Prometheus text format 0.0.4. */
  public String render() {
    return scrape(null).text();
  }
}
