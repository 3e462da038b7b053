package io.kubesgx.quotehelper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Silent clients holding connections open must not stop {@code /healthz} from answering. */
class MetricsHttpSlowClientsTest {
  private static final int SLOW_CONNECTIONS = 8;
  private static final int PROBES = 10;

  /** Answers nothing; only the HTTP endpoint is exercised. */
  private static final class SilentBackend implements Backend {
    @Override
    public Optional<Response> handle(AesmRequest request) {
      return Optional.empty();
    }

    @Override
    public String name() {
      return "silent";
    }
  }

  @Test
  void healthz_slowConnectionsOpen_keepsAnswering(@TempDir Path dir) throws Exception {
    List<Socket> slow = new ArrayList<>();
    try (QuoteHelperServer server = QuoteHelperServer.newBuilder(dir.resolve("aesm.socket"), new SilentBackend())
            .build().start();
        MetricsHttpServer http = MetricsHttpServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), server)) {
      for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), http.port());
        slow.add(s);
        OutputStream o = s.getOutputStream();
        o.write('G'); // one byte of a request line, then nothing
        o.flush();
      }
      Thread.sleep(200); // let the server accept and start reading them
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      int answered = 0;
      for (int i = 0; i < PROBES; i++) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/healthz"))
            .timeout(Duration.ofSeconds(2)).build();
        try {
          if (client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
            answered++;
          }
        } catch (IOException e) {
          // a timed-out probe counts as not answered
        }
      }
      // generous for a loaded CI machine: most probes answered within 2 s each
      assertTrue(answered >= PROBES * 8 / 10, answered + " of " + PROBES + " probes answered within 2 s");
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }
}
