package io.kubesgx.nodeagent.deviceplugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.nodeagent.discovery.Sizes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EpcPlanTest {
  @ParameterizedTest
  @CsvSource({"0,0", "1048575,0", "1048576,1", "98566144,94", "8589934592,8192",
      "137438953472,131072"})
  void plan_epcSize_oneDevicePerWholeMiB(long bytes, int devices) {
    EpcPlan p = EpcPlan.plan(Map.of(0, bytes), true, Long.MAX_VALUE, EpcPlan.DEFAULT_BUDGET);
    assertEquals(devices, p.devices().count());
    assertFalse(p.capped());
    assertTrue(p.devices().toProto().getSerializedSize() <= EpcPlan.DEFAULT_BUDGET);
  }

  @Test
  void plan_256GiB_cappedBelowBudgetAndReasonGiven() {
    EpcPlan p = EpcPlan.plan(Map.of(0, 128L << 30, 1, 128L << 30), true, Long.MAX_VALUE,
        EpcPlan.DEFAULT_BUDGET);
    assertTrue(p.capped());
    assertEquals(262144, p.wantedMiB());
    int size = p.devices().toProto().getSerializedSize();
    int unhealthySize = p.devices().withHealth(false).toProto().getSerializedSize();
    assertTrue(unhealthySize <= EpcPlan.DEFAULT_BUDGET, "size " + unhealthySize);
    assertTrue(size < EpcPlan.KUBELET_MAX_MESSAGE);
    assertTrue(p.devices().count() > 120_000, "count " + p.devices().count());
    assertTrue(p.capReason().orElseThrow().contains("of 262144 MiB"));
    // Proportional over NUMA nodes.
    List<NumaRange> r = p.devices().numaRanges();
    assertEquals(2, r.size());
    assertTrue(Math.abs(r.get(0).count() - r.get(1).count()) <= 1);
  }

  @Test
  void plan_configuredMaximum_capsWithReason() {
    EpcPlan p = EpcPlan.plan(Map.of(0, 64 * Sizes.MIB), false, 10, EpcPlan.DEFAULT_BUDGET);
    assertEquals(10, p.devices().count());
    assertTrue(p.capReason().orElseThrow().contains("configured maximum"));
    assertTrue(p.devices().numaRanges().isEmpty());
  }

  @Test
  void deviceSet_ids_compactBase36AndRoundTrip() {
    DeviceSet s = DeviceSet.of(ResourceNames.EPC_MIB, "", 100_000,
        List.of(new NumaRange(0, 0, 50_000), new NumaRange(1, 50_000, 50_000)), true);
    assertEquals("0", s.id(0));
    assertEquals("255r", s.id(99_999));
    for (int i : new int[] {0, 35, 36, 49_999, 50_000, 99_999}) {
      assertEquals(i, s.indexOf(s.id(i)));
    }
    assertEquals(-1, s.indexOf("255s"));
    assertEquals(-1, s.indexOf("00"));
    assertEquals(-1, s.indexOf("A"));
    assertEquals(-1, s.indexOf(""));
    assertEquals(0, s.numaNodeOf(49_999));
    assertEquals(1, s.numaNodeOf(50_000));
    assertEquals(1, s.toProto().getDevices(99_999).getTopology().getNodes(0).getID());
  }
}
