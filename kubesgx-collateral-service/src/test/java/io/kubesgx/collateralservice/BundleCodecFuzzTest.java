package io.kubesgx.collateralservice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Fuzzes offline-bundle parsing (the input of {@link CollateralService#importBundle}): only
 * {@link MalformedInputException} may escape (the service turns it into BUNDLE_INVALID), and an
 * accepted bundle survives {@code parse(write(parse(x)))} unchanged.
 */
class BundleCodecFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parse(byte[] data) {
    List<BundleCodec.Entry> entries;
    try {
      entries = BundleCodec.parse(data);
    } catch (MalformedInputException expected) {
      return;
    }
    byte[] again = BundleCodec.write(entries, Instant.EPOCH).getBytes(StandardCharsets.UTF_8);
    try {
      assertEquals(entries, BundleCodec.parse(again));
    } catch (MalformedInputException e) {
      throw new AssertionError("a written bundle does not parse", e);
    }
  }
}
