package io.kubesgx.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of a child process started by a test (its stderr merged into stdout): collected on a
 * daemon thread, so the child never blocks on a full pipe, and searched for the line that says where
 * it listens.
 */
public final class ChildOutput {
  private final StringBuilder text = new StringBuilder();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private ChildOutput(Process child, Pattern listening) {
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (text) {
            text.append(line).append('\n');
          }
          Matcher m = listening.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IllegalStateException("the child process exited:\n" + text()));
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts collecting {@code child}'s output.
   *
   * @param listening a pattern whose group 1 is the port the child listens on
   */
  public static ChildOutput of(Process child, Pattern listening) {
    return new ChildOutput(child, listening);
  }

  /** Waits at most {@code timeout} for the listening line and returns its port. */
  public int awaitPort(Duration timeout) throws Exception {
    return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Returns everything the child printed so far. */
  public String text() {
    synchronized (text) {
      return text.toString();
    }
  }
}
