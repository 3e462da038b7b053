package io.kubesgx.sim.pcs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;

/**
 * Fuzzes the simulated PCS's query-string parser, the only part of a request it interprets
 * besides the path. Property: only {@link IllegalArgumentException} (answered with 400) escapes,
 * and no parsed map is larger than the number of {@code &}-separated parts.
 */
class PcsQueryFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void query(byte[] data) {
    String raw = new String(data, java.nio.charset.StandardCharsets.ISO_8859_1);
    Map<String, String> m;
    try {
      m = SimPcsServer.query(raw);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertTrue(m.size() <= raw.split("&", -1).length);
  }
}
