package io.kubesgx.common.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void render_observations_cumulativeBucketsSumAndCount() {
    LatencyHistogram h = new LatencyHistogram(0.001, 0.01);
    h.observe(500_000); // 0.5 ms
    h.observe(1_000_000); // exactly 1 ms: inclusive upper bound
    h.observe(5_000_000);
    h.observe(2_000_000_000L); // above every bound
    StringBuilder sb = new StringBuilder();
    h.render(sb, "m", "route=\"a\"");
    assertEquals("m_bucket{route=\"a\",le=\"0.001\"} 2\n"
        + "m_bucket{route=\"a\",le=\"0.01\"} 3\n"
        + "m_bucket{route=\"a\",le=\"+Inf\"} 4\n"
        + "m_sum{route=\"a\"} 2.0065\n"
        + "m_count{route=\"a\"} 4\n", sb.toString());
    StringBuilder plain = new StringBuilder();
    new LatencyHistogram(1).render(plain, "n", "");
    assertEquals("n_bucket{le=\"1.0\"} 0\nn_bucket{le=\"+Inf\"} 0\nn_sum 0.0\nn_count 0\n", plain.toString());
  }

  @Test
  void new_boundsNotAscending_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new LatencyHistogram(0.01, 0.001));
  }
}
