package io.kubesgx.quotehelper;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The quote helper's metrics: requests by type and result, a latency histogram, connections in
 * flight, accepted and rejected connections, and the backend's events. They live in a registry of
 * the Prometheus Java client (one per instance, never the global default) and are rendered by its
 * exposition formats: text 0.0.4 by default, OpenMetrics when the scraper asks for it.
 */
public final class Metrics {
  /** Histogram bucket upper bounds in seconds. */
  static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private static final ExpositionFormats FORMATS = ExpositionFormats.init();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram latency;
  private final Gauge inFlight;
  private final Counter connections;
  private final Counter rejected;

  /** A rendered scrape: the body and its content type. */
  public record Scrape(String contentType, byte[] body) {
    /** Returns the body as text (every format served here is UTF-8 text). */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Creates empty metrics with their own registry. */
  public Metrics() {
    requests = Counter.builder().name("kubesgx_quote_helper_requests_total")
        .help("AESM requests by type and result (ok, error, closed, timeout).").labelNames("type", "result")
        .withoutExemplars().register(registry);
    latency = Histogram.builder().name("kubesgx_quote_helper_request_duration_seconds")
        .help("Time from reading a request to writing its answer.").classicOnly().classicUpperBounds(BUCKETS)
        .withoutExemplars().register(registry);
    inFlight = Gauge.builder().name("kubesgx_quote_helper_in_flight").help("Connections being served now.")
        .withoutExemplars().register(registry);
    connections = Counter.builder().name("kubesgx_quote_helper_connections_total").help("Connections accepted.")
        .withoutExemplars().register(registry);
    rejected = Counter.builder().name("kubesgx_quote_helper_rejected_total")
        .help("Connections closed unanswered because the queue was full.").withoutExemplars().register(registry);
  }

  /** Counts one request of {@code type} that ended with {@code result}, taking {@code nanos}. */
  public void request(RequestType type, String result, long nanos) {
    requests.labelValues(type.label(), result).inc();
    latency.observe(Unit.nanosToSeconds(nanos));
  }

  /** Counts an accepted connection and marks it in flight. */
  public void connectionStarted() {
    connections.inc();
    inFlight.inc();
  }

  /** Marks a connection finished. */
  public void connectionFinished() {
    inFlight.dec();
  }

  /** Counts a connection closed at once because the worker queue was full. */
  public void rejected() {
    rejected.inc();
  }

  /** Returns the number of requests of {@code type} that ended with {@code result}. */
  public long requests(RequestType type, String result) {
    for (CounterDataPointSnapshot d : requests.collect().getDataPoints()) { // no new series as a side effect
      if (type.label().equals(d.getLabels().get("type")) && result.equals(d.getLabels().get("result"))) {
        return (long) d.getValue();
      }
    }
    return 0;
  }

  /** Returns the number of rejected connections. */
  public long rejectedCount() {
    return (long) rejected.get();
  }

  /** Returns the connections currently being served. */
  public long inFlight() {
    return (long) inFlight.get();
  }

  /**
   * Renders all metrics, with {@code backend}'s events, in the format the scraper's {@code Accept}
   * header asks for (the Prometheus text format 0.0.4 when it is absent or names nothing else served).
   */
  public Scrape scrape(Backend backend, String acceptHeader) {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    registry.scrape().forEach(snapshots::add);
    Map<String, Long> events = backend.counters();
    if (!events.isEmpty()) {
      CounterSnapshot.Builder b = CounterSnapshot.builder().name("kubesgx_quote_helper_backend_events")
          .help("Backend-specific events.");
      events.forEach((event, n) -> b.dataPoint(CounterDataPointSnapshot.builder()
          .labels(Labels.of("backend", backend.name(), "event", event)).value(n).build()));
      snapshots.add(b.build());
    }
    ExpositionFormatWriter writer = FORMATS.findWriter(acceptHeader);
    if (!writer.isAvailable()) { // protobuf asked for, but only the text formats are on the class path
      writer = FORMATS.getPrometheusTextFormatWriter();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      writer.write(out, new MetricSnapshots(snapshots));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return new Scrape(writer.getContentType(), out.toByteArray());
  }

  /** Renders all metrics in the Prometheus text format 0.0.4. */
  public String render(Backend backend) {
    return scrape(backend, null).text();
  }
}
