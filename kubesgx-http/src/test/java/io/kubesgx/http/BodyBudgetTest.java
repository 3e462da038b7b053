package io.kubesgx.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BodyBudgetTest {
  @Test
  void tryCharge_largeBodies_stopAtThreeQuartersLeavingRoomForSmallOnes() {
    BodyBudget b = new BodyBudget(4L << 20);
    assertTrue(b.tryCharge(3L << 20, 1 << 20));
    assertFalse(b.tryCharge(1, 1 << 20), "large bodies may not use the last quarter");
    assertTrue(b.tryCharge(HttpLimits.SMALL_BODY_BYTES, HttpLimits.SMALL_BODY_BYTES), "a small body still fits");
    assertEquals((3L << 20) + HttpLimits.SMALL_BODY_BYTES, b.used());
    b.release(3L << 20);
    assertTrue(b.tryCharge(1 << 20, 1 << 20));
  }

  @Test
  void tryCharge_beyondTotal_refusedAndNothingCharged() {
    BodyBudget b = new BodyBudget(1000);
    assertTrue(b.tryCharge(900, 900));
    assertFalse(b.tryCharge(200, 200));
    assertEquals(900, b.used());
    assertFalse(b.wouldFit(200));
    assertTrue(b.wouldFit(100));
  }

  @Test
  void httpLimits_budgetSmallerThanOneBody_throwsWithHint() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HttpLimits.defaults().withBodies(1 << 20, 1000));
    assertTrue(e.getMessage().contains("at least one largest body"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> HttpLimits.defaults().withDeadlines(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> HttpLimits.defaults().withMaxConnections(0));
  }
}
