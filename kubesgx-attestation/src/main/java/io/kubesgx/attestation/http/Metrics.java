package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.common.metrics.LatencyHistogram;
import io.kubesgx.verifier.VerifiedQuote;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** Prometheus metrics of the attestation service (text exposition format 0.0.4). */
public final class Metrics {
  private static final double[] BUCKETS_SECONDS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> attestations = new ConcurrentHashMap<>();
  private final Map<String, LatencyHistogram> histograms = new ConcurrentHashMap<>();
  private final LongAdder rejected = new LongAdder();
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
  private volatile LongSupplier openConnections = () -> 0;
  private volatile LongSupplier bufferedBodyBytes = () -> 0;
  private volatile LongSupplier queueDepth = () -> 0;
  private volatile LongSupplier inFlight = () -> 0;

  /** Counts a finished request and its latency. */
  public void observe(String route, int status, long nanos) {
    requests.computeIfAbsent(route + "|" + status, k -> new LongAdder()).increment();
    histograms.computeIfAbsent(route, k -> new LatencyHistogram(BUCKETS_SECONDS)).observe(nanos);
  }

  /** Counts a failed request by its error code. */
  public void failed(String route, ApiError e) {
    String key = route + "|" + e.code() + "|" + (e.detailCode() == null ? "" : e.detailCode());
    failures.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /** Counts a successful attestation by TCB status and simulation. */
  public void attested(VerifiedQuote v) {
    attestations.computeIfAbsent(v.status().jsonName() + "|" + v.isSimulated(), k -> new LongAdder()).increment();
  }

  /** Counts a request refused because the work queue was full. */
  public void rejected() {
    rejected.increment();
  }

  /** Counts a connection or request refused by an HTTP bound (connection limit, deadline, body budget…). */
  public void refused(String reason) {
    refused.computeIfAbsent(reason, k -> new LongAdder()).increment();
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

  /** Renders the metrics. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# HELP kubesgx_attestation_requests_total HTTP requests by route and status.\n");
    sb.append("# TYPE kubesgx_attestation_requests_total counter\n");
    new TreeMap<>(requests).forEach((k, v) -> {
      String[] p = k.split("\\|", -1);
      sb.append("kubesgx_attestation_requests_total{route=\"").append(p[0]).append("\",status=\"").append(p[1])
          .append("\"} ").append(v.sum()).append('\n');
    });
    sb.append("# HELP kubesgx_attestation_errors_total Failed requests by route, error code and detail.\n");
    sb.append("# TYPE kubesgx_attestation_errors_total counter\n");
    new TreeMap<>(failures).forEach((k, v) -> {
      String[] p = k.split("\\|", -1);
      sb.append("kubesgx_attestation_errors_total{route=\"").append(p[0]).append("\",code=\"").append(p[1])
          .append("\",detail=\"").append(p[2]).append("\"} ").append(v.sum()).append('\n');
    });
    sb.append("# HELP kubesgx_attestation_tokens_total Tokens issued by TCB status and simulation.\n");
    sb.append("# TYPE kubesgx_attestation_tokens_total counter\n");
    new TreeMap<>(attestations).forEach((k, v) -> {
      String[] p = k.split("\\|", -1);
      sb.append("kubesgx_attestation_tokens_total{tcb_status=\"").append(p[0]).append("\",simulated=\"").append(p[1])
          .append("\"} ").append(v.sum()).append('\n');
    });
    sb.append("# HELP kubesgx_attestation_request_seconds Request latency by route.\n");
    sb.append("# TYPE kubesgx_attestation_request_seconds histogram\n");
    new TreeMap<>(histograms).forEach((route, h) ->
        h.render(sb, "kubesgx_attestation_request_seconds", "route=\"" + route + "\""));
    sb.append("# HELP kubesgx_attestation_rejected_total Requests refused with 429 because the work queue was full.\n");
    sb.append("# TYPE kubesgx_attestation_rejected_total counter\n");
    sb.append("kubesgx_attestation_rejected_total ").append(rejected.sum()).append('\n');
    sb.append("# HELP kubesgx_attestation_queue_depth Requests waiting for a worker.\n");
    sb.append("# TYPE kubesgx_attestation_queue_depth gauge\n");
    sb.append("kubesgx_attestation_queue_depth ").append(queueDepth.getAsLong()).append('\n');
    sb.append("# HELP kubesgx_attestation_in_flight Requests being processed.\n");
    sb.append("# TYPE kubesgx_attestation_in_flight gauge\n");
    sb.append("kubesgx_attestation_in_flight ").append(inFlight.getAsLong()).append('\n');
    sb.append("# HELP kubesgx_attestation_http_refused_total Connections and requests refused by an HTTP bound, by reason.\n");
    sb.append("# TYPE kubesgx_attestation_http_refused_total counter\n");
    new TreeMap<>(refused).forEach((k, v) ->
        sb.append("kubesgx_attestation_http_refused_total{reason=\"").append(k).append("\"} ").append(v.sum()).append('\n'));
    sb.append("# HELP kubesgx_attestation_open_connections HTTP connections open.\n");
    sb.append("# TYPE kubesgx_attestation_open_connections gauge\n");
    sb.append("kubesgx_attestation_open_connections ").append(openConnections.getAsLong()).append('\n');
    sb.append("# HELP kubesgx_attestation_body_buffered_bytes Request-body bytes held in memory (charged to the body budget).\n");
    sb.append("# TYPE kubesgx_attestation_body_buffered_bytes gauge\n");
    sb.append("kubesgx_attestation_body_buffered_bytes ").append(bufferedBodyBytes.getAsLong()).append('\n');
    return sb.toString();
  }
}
