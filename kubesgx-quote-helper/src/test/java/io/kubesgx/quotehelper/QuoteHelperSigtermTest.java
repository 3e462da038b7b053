package io.kubesgx.quotehelper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.aesm.AesmClient;
import io.kubesgx.quotehelper.cli.QuoteHelperCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM to a real {@code quote-helper} process: exit status 0 and the socket file removed. */
class QuoteHelperSigtermTest {
  @Test
  void sigterm_runningHelper_exitsZeroAndRemovesSocket() throws Exception {
    Path dir = SimFixture.tempDir("qhterm");
    Path socket = dir.resolve("run/aesm.socket");
    Path log = dir.resolve("helper.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        QuoteHelperCommand.class.getName(), "--socket", socket.toString(), "--backend", "sim",
        "--platform", dir.resolve("platform").toString(), "--create"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      boolean serving = false;
      while (!serving && p.isAlive() && System.nanoTime() < deadline) {
        try {
          serving = AesmClient.create(socket, Duration.ofSeconds(2)).getSupportedAttKeyIdNum() == 1;
        } catch (Exception e) {
          Thread.sleep(100);
        }
      }
      assertTrue(serving, () -> "the helper did not start serving: " + read(log));

      p.destroy(); // SIGTERM on Linux
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the helper did not exit after SIGTERM");
      assertEquals(0, p.exitValue(), () -> "exit status after SIGTERM; output: " + read(log));
      assertFalse(Files.exists(socket), "the socket file must be removed on SIGTERM");
    } finally {
      p.destroyForcibly();
      SimFixture.deleteTree(dir);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (Exception e) {
      return "(no output: " + e + ")";
    }
  }
}
