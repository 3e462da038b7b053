package io.kubesgx.webhook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.http.HttpLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The webhook's limits map onto the shared HTTP bounds without losing their meaning. */
class ServerLimitsTest {
  @Test
  void httpLimits_defaults_keepThreeMibBodyConnectionCapAndDeadline() {
    HttpLimits h = ServerLimits.defaults().httpLimits();
    assertEquals(3 * 1024 * 1024, h.maxBodyBytes());
    assertEquals(256, h.maxConnections());
    assertEquals(Duration.ofSeconds(10), h.requestDeadline());
    assertEquals(Duration.ofSeconds(10), h.headerDeadline());
    assertEquals(1, h.maxStreamsPerConnection());
    // A largest body must fit in the share of the budget large bodies may use (three quarters).
    assertTrue(h.bodyBudgetBytes() * 3 / 4 >= h.maxBodyBytes());
  }

  @Test
  void httpLimits_hugeBodyCap_budgetStillFitsOneBody() {
    ServerLimits l = new ServerLimits(4, Duration.ofSeconds(1), 64 << 20, 16 * 1024, 1, 1);
    HttpLimits h = l.httpLimits();
    assertTrue(h.bodyBudgetBytes() * 3 / 4 >= h.maxBodyBytes());
  }

  @Test
  void constructor_deadlineBelow100ms_throws() {
    assertThrows(IllegalArgumentException.class,
        () -> new ServerLimits(4, Duration.ofMillis(50), 1024, 16 * 1024, 1, 1));
  }
}
