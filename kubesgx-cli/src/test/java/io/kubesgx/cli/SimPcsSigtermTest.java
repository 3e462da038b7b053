package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.testing.ChildOutput;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kubesgx sim pcs} stops on SIGTERM with exit status 0 and its port closed. */
class SimPcsSigtermTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");

  @Test
  void simPcs_sigterm_closesAndExitsZero(@TempDir Path tmp) throws Exception {
    Path platform = tmp.resolve("p");
    assertEquals(Main.OK, CliTest.run("sim", "init", "--platform", platform.toString()).exit());
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "sim", "pcs", "--platform", platform.toString(), "--port", "0")
        .redirectErrorStream(true).start();
    ChildOutput log = ChildOutput.of(child, LISTENING);
    try {
      int port = log.awaitPort(Duration.ofSeconds(90));
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      child.destroy(); // SIGTERM on Linux
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), () -> "no exit after SIGTERM:\n" + log.text());
      assertEquals(0, child.exitValue(), () -> "exit status after SIGTERM; output:\n" + log.text());
      assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
      assertFalse(log.text().contains("Exception"), () -> "a stack trace on a clean stop:\n" + log.text());
    } finally {
      child.destroyForcibly();
    }
  }
}
