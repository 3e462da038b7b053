package io.kubesgx.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.sim.internal.Sealing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Fuzzes what the simulated platform reads from others: REPORT bytes handed to the quoting enclave
 * (through the quote helper they come from any local process), {@code platform.json}, and sealed
 * blobs. Properties: only the declared exception escapes; the QE never quotes a REPORT whose MAC it
 * cannot verify; a parsed platform description re-serialises to an equal value.
 *
 * <p>Seeds under {@code SimInputsFuzzTestInputs/<method>/} were made with this project's own
 * simulator on a throwaway platform.
 */
class SimInputsFuzzTest {
  private static final SimPlatform PLATFORM = platform();

  private static SimPlatform platform() {
    try {
      Path dir = Files.createTempDirectory("kubesgx-sim-fuzz");
      return SimPlatform.openOrCreate(dir.resolve("p"), Clock.systemUTC());
    } catch (IOException | MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void quotingEnclaveQuote(byte[] data) {
    for (int version : new int[] {3, 4}) {
      try {
        PLATFORM.quotingEnclave().quote(Bytes.of(data), version);
        throw new AssertionError("quoted a REPORT that was not made for this QE");
      } catch (QuoteException e) {
        // expected: malformed or not MAC-verified
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void platformConfigParse(byte[] data) {
    PlatformConfig c;
    try {
      c = PlatformConfig.parse(new String(data, StandardCharsets.UTF_8));
    } catch (MalformedInputException e) {
      return;
    }
    try {
      assertEquals(c, PlatformConfig.parse(c.toJson()));
    } catch (MalformedInputException e) {
      throw new AssertionError("a parsed platform.json does not re-parse", e);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void sealingUnseal(byte[] data) {
    try {
      Sealing.unseal(Bytes.zeros(16), "kubesgx-fuzz", data);
    } catch (MalformedInputException e) {
      // expected
    }
  }
}
