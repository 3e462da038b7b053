package io.kubesgx.nodeagent.server;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node agent's gauges and counters in a registry of the Prometheus Java client (one per agent,
 * never the global default), rendered by its exposition formats: text 0.0.4 by default, OpenMetrics
 * when the scraper asks for it.
 *
 * <p>Values are read from suppliers at scrape time, so the registry holds no state of its own.
 */
public final class Metrics {
  private static final ExpositionFormats FORMATS = ExpositionFormats.init();

  private final PrometheusRegistry registry = new PrometheusRegistry();

  /** A rendered scrape: the body and its content type. */
  public record Scrape(String contentType, byte[] body) {
    /** Returns the body as text (every format served here is UTF-8 text). */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Adds an unlabelled gauge. */
  public Metrics gauge(String name, String help, Supplier<Number> value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(cb -> cb.call(value.get().doubleValue())).register(registry);
    return this;
  }

  /** Adds an unlabelled counter; {@code name} is the exposed name, ending in {@code _total}. */
  public Metrics counter(String name, String help, Supplier<Number> value) {
    CounterWithCallback.builder().name(name).help(help)
        .callback(cb -> cb.call(value.get().doubleValue())).register(registry);
    return this;
  }

  /** Adds a gauge with one label, its samples keyed by the label's value. */
  public Metrics labelledGauge(String name, String help, String labelName,
      Supplier<Map<String, Number>> samples) {
    GaugeWithCallback.builder().name(name).help(help).labelNames(labelName)
        .callback(cb -> samples.get().forEach((v, n) -> cb.call(n.doubleValue(), v)))
        .register(registry);
    return this;
  }

  /**
   * Adds a counter with one label, its samples keyed by the label's value; {@code name} is the
   * exposed name, ending in {@code _total}.
   */
  public Metrics labelledCounter(String name, String help, String labelName,
      Supplier<Map<String, Number>> samples) {
    CounterWithCallback.builder().name(name).help(help).labelNames(labelName)
        .callback(cb -> samples.get().forEach((v, n) -> cb.call(n.doubleValue(), v)))
        .register(registry);
    return this;
  }

  /**
   * Renders every metric in the format the scraper's {@code Accept} header asks for (the
   * Prometheus text format 0.0.4 when it is absent or names nothing else served here).
   */
  public Scrape scrape(String acceptHeader) {
    ExpositionFormatWriter writer = FORMATS.findWriter(acceptHeader);
    if (!writer.isAvailable()) { // protobuf asked for, only the text formats are on the class path
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

  /** Renders every metric in the Prometheus text format 0.0.4. */
  public String render() {
    return scrape(null).text();
  }
}
