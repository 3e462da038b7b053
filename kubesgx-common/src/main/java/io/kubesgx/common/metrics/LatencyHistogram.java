package io.kubesgx.common.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A thread-safe latency histogram with fixed bucket bounds, rendered as Prometheus histogram samples. */
public final class LatencyHistogram {
  private final double[] bounds;
  private final LongAdder[] counts;
  private final LongAdder count = new LongAdder();
  private final LongAdder sumNanos = new LongAdder();

  /**
   * Creates a histogram.
   *
   * @param upperBoundsSeconds ascending bucket upper bounds in seconds ({@code +Inf} is implied)
   */
  public LatencyHistogram(double... upperBoundsSeconds) {
    for (int i = 1; i < upperBoundsSeconds.length; i++) {
      if (!(upperBoundsSeconds[i] > upperBoundsSeconds[i - 1])) {
        throw new IllegalArgumentException("bucket bounds must ascend");
      }
    }
    this.bounds = upperBoundsSeconds.clone();
    this.counts = new LongAdder[bounds.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** Records one observation of {@code nanos} nanoseconds. */
  public void observe(long nanos) {
    count.increment();
    sumNanos.add(nanos);
    double s = nanos / 1e9;
    for (int i = 0; i < bounds.length; i++) {
      if (s <= bounds[i]) {
        counts[i].increment();
        return;
      }
    }
  }

  /** Returns the number of observations. */
  public long count() {
    return count.sum();
  }

  /**
   * Appends the {@code _bucket}, {@code _sum} and {@code _count} samples of metric {@code name}.
   *
   * @param labels label pairs without braces, such as {@code route="attest"}, or empty
   */
  public void render(StringBuilder sb, String name, String labels) {
    String prefix = labels.isEmpty() ? "" : labels + ",";
    String own = labels.isEmpty() ? "" : "{" + labels + "}";
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += counts[i].sum();
      sb.append(name).append("_bucket{").append(prefix).append("le=\"").append(bounds[i]).append("\"} ")
          .append(cumulative).append('\n');
    }
    long n = count.sum();
    sb.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(n).append('\n');
    sb.append(name).append("_sum").append(own).append(' ').append(sumNanos.sum() / 1e9).append('\n');
    sb.append(name).append("_count").append(own).append(' ').append(n).append('\n');
  }
}
