package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** Fuzzes {@link TcbInfoParser#parse}: only MalformedInputException may escape; results are well-formed. */
class TcbInfoParserFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] data) {
    String json = new String(data, StandardCharsets.UTF_8);
    TcbInfo t;
    try {
      t = TcbInfoParser.parse(json);
    } catch (MalformedInputException expected) {
      return;
    }
    assertTrue(t.version() == 2 || t.version() == 3);
    assertEquals(t.isTdx(), t.tdxModule().isPresent());
    assertTrue(!t.tcbLevels().isEmpty());
    for (int i = 0; i < t.tcbLevels().size(); i++) {
      TcbLevel l = t.tcbLevels().get(i);
      assertEquals(16, l.sgxComponents().size());
      assertEquals(t.isTdx(), l.tdxComponents().isPresent());
      if (i > 0) {
        assertTrue(TcbLevel.INTEL_ORDER.compare(t.tcbLevels().get(i - 1), l) < 0);
      }
    }
    try {
      assertEquals(t, TcbInfoParser.parse(json));
    } catch (MalformedInputException e) {
      throw new AssertionError("second parse failed", e);
    }
  }
}
