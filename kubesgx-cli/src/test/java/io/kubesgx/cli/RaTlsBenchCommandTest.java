package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubesgx ratls-bench}: a tiny run completes with figures; mistakes exit 2 with one line. */
class RaTlsBenchCommandTest {
  @Test
  void ratlsBench_fewUncachedHandshakes_printsFiguresAndExitsZero() {
    CliTest.Result r = CliTest.run("ratls-bench", "--handshakes", "3", "--warmup", "0", "--threads", "1", "--cache", "off");

    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("verification cache off"), r.out());
    assertTrue(r.out().contains("handshakes_per_second="), r.out());
  }

  @Test
  void ratlsBench_zeroThreads_exitsTwoWithOneLine() {
    CliTest.Result r = CliTest.run("ratls-bench", "--threads", "0");

    assertEquals(2, r.exit());
    assertEquals("error: --threads must be 1..64", r.err().strip());
  }

  @Test
  void ratlsBench_missingPlatformDirectory_exitsTwoAndCreatesNothing(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-platform");

    CliTest.Result r = CliTest.run("ratls-bench", "--platform", missing.toString());

    assertEquals(2, r.exit());
    assertTrue(r.err().startsWith("error: no simulated platform directory at " + missing), r.err());
    assertFalse(missing.toFile().exists());
  }

  @Test
  void ratlsBench_unknownCacheMode_exitsTwo() {
    CliTest.Result r = CliTest.run("ratls-bench", "--cache", "maybe");

    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--cache"), r.err());
  }
}
