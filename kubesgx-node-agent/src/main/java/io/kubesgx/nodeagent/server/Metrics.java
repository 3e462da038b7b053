package io.kubesgx.nodeagent.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A tiny registry rendering gauges and counters in the Prometheus text format (version 0.0.4).
 *
 * <p>Values are read from suppliers at scrape time, so the registry holds no state of its own.
 */
public final class Metrics {
  private record Family(String name, String help, String type,
      Supplier<Map<String, Number>> samples) {}

  private final List<Family> families = new ArrayList<>();

  /** Adds an unlabelled gauge. */
  public synchronized Metrics gauge(String name, String help, Supplier<Number> value) {
    families.add(new Family(name, help, "gauge", () -> Map.of("", value.get())));
    return this;
  }

  /** Adds an unlabelled counter. */
  public synchronized Metrics counter(String name, String help, Supplier<Number> value) {
    families.add(new Family(name, help, "counter", () -> Map.of("", value.get())));
    return this;
  }

  /** Adds a family whose samples are keyed by a rendered label set such as {@code resource="x"}. */
  public synchronized Metrics labelled(String name, String help, String type,
      Supplier<Map<String, Number>> samples) {
    families.add(new Family(name, help, type, samples));
    return this;
  }

  /** Returns a label set {@code key="value"} with the value escaped. */
  public static String label(String key, String value) {
    return key + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        + "\"";
  }

  /** Renders every family. */
  public synchronized String render() {
    StringBuilder sb = new StringBuilder();
    for (Family f : families) {
      sb.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
      sb.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
      for (Map.Entry<String, Number> e : f.samples.get().entrySet()) {
        sb.append(f.name);
        if (!e.getKey().isEmpty()) {
          sb.append('{').append(e.getKey()).append('}');
        }
        sb.append(' ').append(e.getValue()).append('\n');
      }
    }
    return sb.toString();
  }
}
