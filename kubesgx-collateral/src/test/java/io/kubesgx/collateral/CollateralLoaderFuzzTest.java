package io.kubesgx.collateral;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link CollateralLoader#fromDcapQvlJson}: only MalformedInputException may escape, and
 * accepted collateral survives {@code fromDcapQvlJson(toDcapQvlJson(c))} unchanged.
 */
class CollateralLoaderFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void fromDcapQvlJson(byte[] data) {
    Collateral c;
    try {
      c = CollateralLoader.fromDcapQvlJson(new String(data, StandardCharsets.UTF_8));
    } catch (MalformedInputException expected) {
      return;
    }
    c.sha256Digests();
    try {
      assertEquals(c, CollateralLoader.fromDcapQvlJson(CollateralLoader.toDcapQvlJson(c)));
    } catch (MalformedInputException e) {
      throw new AssertionError("round trip failed", e);
    }
  }
}
