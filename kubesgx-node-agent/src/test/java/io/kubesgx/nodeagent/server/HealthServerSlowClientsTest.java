package io.kubesgx.nodeagent.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Silent clients holding connections open must not stop {@code /healthz} from answering. */
class HealthServerSlowClientsTest {
  private static final int SLOW_CONNECTIONS = 8;
  private static final int PROBES = 10;

  @Test
  void healthz_slowConnectionsOpen_keepsAnswering() throws Exception {
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    List<Socket> slow = new ArrayList<>();
    try (HealthServer server = HealthServer.start(bind, () -> true, () -> "ok", new Metrics())) {
      for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        slow.add(s);
        OutputStream o = s.getOutputStream();
        o.write('G'); // one byte of a request line, then nothing
        o.flush();
      }
      Thread.sleep(200); // let the server accept and start reading them
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      int answered = 0;
      for (int i = 0; i < PROBES; i++) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
            .timeout(Duration.ofSeconds(2)).build();
        try {
          if (client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
            answered++;
          }
        } catch (java.io.IOException e) {
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
