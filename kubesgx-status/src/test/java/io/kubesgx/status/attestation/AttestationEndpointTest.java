package io.kubesgx.status.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.status.AttestationRead;
import io.kubesgx.status.AttestationStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading {@code /status} from a real attestation service, and failing in one line otherwise. */
class AttestationEndpointTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Test
  void viaUrl_realSimulatedService_signingKeyMatchesJwks(@TempDir Path dir) throws Exception {
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")), Clock.systemUTC())) {
      AttestationRead r = AttestationEndpoint.viaUrl(URI.create(s.baseUrl() + "/"), TIMEOUT);
      assertEquals(java.util.Optional.empty(), r.error());
      AttestationStatus st = r.status().orElseThrow();
      String jwks = new String(java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(URI.create(s.baseUrl() + "/certs")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(jwks.contains("\"kid\":\"" + st.signingKey().kid() + "\""), jwks);
      assertEquals(List.of(), st.collateral());
      assertEquals(s.baseUrl() + "/status", r.source());
    }
  }

  @Test
  void viaUrl_closedPort_oneLineConnectionRefused() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    AttestationRead r = AttestationEndpoint.viaUrl(URI.create("http://127.0.0.1:" + port), TIMEOUT);
    assertTrue(r.error().orElseThrow().startsWith("connection refused"), r.error().toString());
    assertTrue(r.error().get().lines().count() == 1);
  }

  @Test
  void viaUrl_oversizedOrWrongBody_failsWithoutReadingItAll() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/big/status", ex -> {
      ex.sendResponseHeaders(200, 0);
      try (var out = ex.getResponseBody()) {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        for (int i = 0; i < 64; i++) { // 4 MiB, more than the 1 MiB cap
          out.write(chunk);
        }
      } catch (java.io.IOException e) {
        // the client stopped reading: expected
      }
    });
    http.createContext("/html/status", ex -> {
      byte[] b = "<html>login</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    http.start();
    try {
      String base = "http://127.0.0.1:" + http.getAddress().getPort();
      AttestationRead big = AttestationEndpoint.viaUrl(URI.create(base + "/big"), TIMEOUT);
      assertEquals("not a status document: status document larger than 1048576 bytes", big.error().orElseThrow());
      AttestationRead html = AttestationEndpoint.viaUrl(URI.create(base + "/html"), TIMEOUT);
      assertTrue(html.error().orElseThrow().startsWith("not a status document: "), html.error().get());
      AttestationRead missing = AttestationEndpoint.viaUrl(URI.create(base + "/none"), TIMEOUT);
      assertEquals("HTTP 404 (not an attestation service with /status)", missing.error().orElseThrow());
    } finally {
      http.stop(0);
    }
  }
}
