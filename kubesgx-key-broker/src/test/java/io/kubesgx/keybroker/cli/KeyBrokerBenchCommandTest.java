package io.kubesgx.keybroker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.keybroker.http.RateLimits;
import io.kubesgx.keybroker.http.ServerLimits;
import org.junit.jupiter.api.Test;

/** The bench's in-process broker: the limiter does not cap its one caller; every other bound is the default. */
class KeyBrokerBenchCommandTest {
  @Test
  void benchLimits_oneCaller_rateLimitsFarAboveAnyBenchRate() {
    RateLimits r = KeyBrokerBenchCommand.benchLimits().rateLimits();
    // The bench's largest accepted load is 10,000,000 releases in one run; the buckets never empty.
    for (RateLimits.Rate rate : new RateLimits.Rate[] {r.requests(), r.releases(), r.anonymous()}) {
      assertTrue(rate.perSecond() >= 1e9, rate.toString());
      assertTrue(rate.burst() >= 10_000_000L, rate.toString());
    }
    assertTrue(RateLimits.defaults().releases().perSecond() < r.releases().perSecond(),
        "the default per-caller release limit would cap the bench");
  }

  @Test
  void benchLimits_otherServerLimits_areTheDefaults() {
    ServerLimits bench = KeyBrokerBenchCommand.benchLimits();
    ServerLimits defaults = ServerLimits.defaults();
    assertEquals(defaults.http(), bench.http());
    assertEquals(defaults.workers(), bench.workers());
    assertEquals(defaults.queue(), bench.queue());
    assertEquals(defaults.queueDeadlineMillis(), bench.queueDeadlineMillis());
    assertEquals(defaults.rateLimits().maxCallers(), bench.rateLimits().maxCallers());
  }
}
