package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.testing.ChildOutput;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM stops the attestation service in order: listener closed, exit status 0 (not 143). */
class ServiceSigtermTest {
  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");

  @Test
  void sigterm_runningService_closesListenerAndExitsZero(@TempDir Path dir) throws Exception {
    new SimQuotes(dir.resolve("platform"), Clock.systemUTC()); // creates the simulated platform
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        ChildService.class.getName(), "--port", "0", "--sim", dir.resolve("platform").toString(),
        "--state-dir", dir.resolve("state").toString())
        .redirectErrorStream(true).start();
    ChildOutput log = ChildOutput.of(child, LISTENING);
    try {
      int port = log.awaitPort(Duration.ofSeconds(90));
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());

      child.destroy(); // SIGTERM on Linux
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), () -> "no exit after SIGTERM:\n" + log.text());
      assertEquals(0, child.exitValue(), () -> "exit status after SIGTERM; output:\n" + log.text());
      assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
          "the port still accepts connections after the service exited");
      assertFalse(log.text().contains("Exception"), () -> "a stack trace on a clean stop:\n" + log.text());
    } finally {
      child.destroyForcibly();
    }
  }
}
