package io.kubesgx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
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
    StringBuilder log = new StringBuilder();
    try {
      int port = awaitPort(child, log);
      new Socket(InetAddress.getLoopbackAddress(), port).close();
      child.destroy(); // SIGTERM on Linux
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), () -> "no exit after SIGTERM:\n" + text(log));
      assertEquals(0, child.exitValue(), () -> "exit status after SIGTERM; output:\n" + text(log));
      assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
      assertFalse(text(log).contains("Exception"), () -> "a stack trace on a clean stop:\n" + text(log));
    } finally {
      child.destroyForcibly();
    }
  }

  private static String text(StringBuilder log) {
    synchronized (log) {
      return log.toString();
    }
  }

  private static int awaitPort(Process child, StringBuilder log) throws Exception {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (log) {
            log.append(line).append('\n');
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("sim pcs exited:\n" + text(log)));
    }, "child-log");
    reader.setDaemon(true);
    reader.start();
    return port.get(90, TimeUnit.SECONDS);
  }
}
