package io.kubesgx.quotehelper;

import io.kubesgx.common.metrics.LatencyHistogram;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The quote helper's counters, rendered in the Prometheus text format: requests by type and result,
 * a latency histogram, connections in flight, rejected connections and backend events.
 */
public final class Metrics {
  /** Histogram bucket upper bounds in seconds. */
  static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final LatencyHistogram latency = new LatencyHistogram(BUCKETS);
  private final AtomicLong inFlight = new AtomicLong();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder connections = new LongAdder();

  /** Creates empty metrics. */
  public Metrics() {}

  /** Counts one request of {@code type} that ended with {@code result}, taking {@code nanos}. */
  public void request(RequestType type, String result, long nanos) {
    requests.computeIfAbsent(type.label() + "\u0000" + result, k -> new LongAdder()).increment();
    latency.observe(nanos);
  }

  /** Counts an accepted connection and marks it in flight. */
  public void connectionStarted() {
    connections.increment();
    inFlight.incrementAndGet();
  }

  /** Marks a connection finished. */
  public void connectionFinished() {
    inFlight.decrementAndGet();
  }

  /** Counts a connection closed at once because the worker queue was full. */
  public void rejected() {
    rejected.increment();
  }

  /** Returns the number of requests of {@code type} that ended with {@code result}. */
  public long requests(RequestType type, String result) {
    LongAdder a = requests.get(type.label() + "\u0000" + result);
    return a == null ? 0 : a.sum();
  }

  /** Returns the number of rejected connections. */
  public long rejectedCount() {
    return rejected.sum();
  }

  /** Returns the connections currently being served. */
  public long inFlight() {
    return inFlight.get();
  }

  /** Renders all metrics in the Prometheus text exposition format. */
  public String render(Backend backend) {
    StringBuilder b = new StringBuilder();
    b.append("# HELP kubesgx_quote_helper_requests_total AESM requests by type and result (ok, error, closed, timeout).\n");
    b.append("# TYPE kubesgx_quote_helper_requests_total counter\n");
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
      String[] k = e.getKey().split("\u0000", 2);
      b.append("kubesgx_quote_helper_requests_total{type=\"").append(k[0]).append("\",result=\"").append(k[1])
          .append("\"} ").append(e.getValue().sum()).append('\n');
    }
    b.append("# HELP kubesgx_quote_helper_request_duration_seconds Time from reading a request to writing its answer.\n");
    b.append("# TYPE kubesgx_quote_helper_request_duration_seconds histogram\n");
    latency.render(b, "kubesgx_quote_helper_request_duration_seconds", "");
    b.append("# HELP kubesgx_quote_helper_in_flight Connections being served now.\n");
    b.append("# TYPE kubesgx_quote_helper_in_flight gauge\n");
    b.append("kubesgx_quote_helper_in_flight ").append(inFlight.get()).append('\n');
    b.append("# HELP kubesgx_quote_helper_connections_total Connections accepted.\n");
    b.append("# TYPE kubesgx_quote_helper_connections_total counter\n");
    b.append("kubesgx_quote_helper_connections_total ").append(connections.sum()).append('\n');
    b.append("# HELP kubesgx_quote_helper_rejected_total Connections closed unanswered because the queue was full.\n");
    b.append("# TYPE kubesgx_quote_helper_rejected_total counter\n");
    b.append("kubesgx_quote_helper_rejected_total ").append(rejected.sum()).append('\n');
    Map<String, Long> events = backend.counters();
    if (!events.isEmpty()) {
      b.append("# HELP kubesgx_quote_helper_backend_events_total Backend-specific events.\n");
      b.append("# TYPE kubesgx_quote_helper_backend_events_total counter\n");
      for (Map.Entry<String, Long> e : events.entrySet()) {
        b.append("kubesgx_quote_helper_backend_events_total{backend=\"").append(backend.name()).append("\",event=\"")
            .append(e.getKey()).append("\"} ").append(e.getValue()).append('\n');
      }
    }
    return b.toString();
  }
}
