package io.kubesgx.keybroker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.kubesgx.http.HttpLimits;
import io.kubesgx.keybroker.http.KeyBrokerServer;
import io.kubesgx.keybroker.http.ServerLimits;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's bounds (the HTTP ones enforced by kubesgx-http's BoundedHttp): body cap (413), absolute
 * request deadline for a trickling body (408) and a trickling head (closed), global body budget (503),
 * connection cap, full worker queue (429).
 */
class ServerLimitsTest {
  private static final String ADMIN = "key-broker-admin-token-0123456789abcdef-xyz";

  private static KeyBrokerServer start(Path dir, ServerLimits limits, String issuer) throws Exception {
    return KeyBrokerServer.start(KeyBrokerServer.Options.local(0, dir, ADMIN, List.of(issuer)).withLimits(limits), Clock.systemUTC());
  }

  /** Limits with both deadlines {@code deadlineMillis} and a body budget of one largest body. */
  private static ServerLimits limits(int connections, long deadlineMillis, int maxBody, int workers, int queue, long queueDeadline) {
    Duration d = Duration.ofMillis(deadlineMillis);
    return new ServerLimits(HttpLimits.defaults().withMaxConnections(connections).withDeadlines(d, d).withBodies(maxBody, maxBody),
        workers, queue, queueDeadline);
  }

  private static String statusLine(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      sb.append((char) c);
    }
    return sb.toString().strip();
  }

  @Test
  void post_bodyOverCap_413(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, limits(16, 10_000, 1024, 2, 4, 5_000), "https://a.example")) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/keys/k/create?api-version=7.5"))
          .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString("{\"kty\":\"RSA\",\"x\":\"" + "a".repeat(2048) + "\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(413, r.statusCode(), r.body());
    }
  }

  @Test
  void request_tricklingBody_408AtAbsoluteDeadline(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, limits(16, 1_000, 1024, 2, 4, 5_000), "https://a.example");
        Socket s = new Socket("127.0.0.1", b.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /keys/k/create?api-version=7.5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN
          + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Keep the connection busy (no idle timeout could fire) while the deadline passes.
      CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 20; i++) {
            Thread.sleep(200);
            out.write(' ');
            out.flush();
          }
        } catch (Exception e) {
          // the server closed the connection: expected
        }
      });
      String status = statusLine(s);
      assertTrue(status.startsWith("HTTP/1.1 408"), status);
      trickle.cancel(true);
    }
  }

  @Test
  void request_tricklingHead_closedAtAbsoluteDeadline(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, limits(16, 1_000, 1024, 2, 4, 5_000), "https://a.example");
        Socket s = new Socket("127.0.0.1", b.port())) {
      OutputStream out = s.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // A header line every 200 ms: the head never completes, and the bytes must not extend the deadline.
      CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 50; i++) {
            Thread.sleep(200);
            out.write(("X-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
        } catch (Exception e) {
          // the server closed the connection: expected
        }
      });
      s.setSoTimeout(8_000); // well before the trickle (10 s) would end by itself
      int first;
      try {
        first = s.getInputStream().read();
      } catch (java.net.SocketException reset) {
        first = -1;
      }
      assertEquals(-1, first, "the connection is closed without an answer");
      trickle.cancel(true);
    }
  }

  @Test
  void post_bodiesOverGlobalBudget_503WithRetryAfter(@TempDir Path dir) throws Exception {
    // The budget holds one largest body: while one is being received, a second is refused before its body is read.
    try (KeyBrokerServer b = start(dir, limits(16, 10_000, 1024, 2, 4, 5_000), "https://a.example");
        Socket first = new Socket("127.0.0.1", b.port());
        Socket second = new Socket("127.0.0.1", b.port())) {
      String head = "POST /keys/k/create?api-version=7.5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN
          + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
      first.getOutputStream().write((head + "{").getBytes(StandardCharsets.US_ASCII));
      first.getOutputStream().flush();
      Thread.sleep(500); // the first body's first byte is charged to the budget
      second.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      String all = readHead(second);
      assertTrue(all.startsWith("HTTP/1.1 503"), all);
      assertTrue(all.contains("Retry-After: 1") || all.contains("retry-after: 1"), all);
    }
  }

  private static String readHead(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }

  @Test
  void connections_overCap_closedAtOnce(@TempDir Path dir) throws Exception {
    try (KeyBrokerServer b = start(dir, limits(2, 10_000, 1024, 2, 4, 5_000), "https://a.example")) {
      List<Socket> open = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Socket s = new Socket("127.0.0.1", b.port());
          s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          assertTrue(statusLine(s).startsWith("HTTP/1.1 200"));
          open.add(s);
        }
        try (Socket third = new Socket("127.0.0.1", b.port())) {
          third.setSoTimeout(10_000);
          third.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          int first;
          try {
            first = third.getInputStream().read();
          } catch (java.net.SocketException reset) {
            first = -1;
          }
          assertEquals(-1, first, "the connection over the cap is closed without an answer");
        }
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  @Test
  void release_workersBusyAndQueueFull_429WithRetryAfter(@TempDir Path dir) throws Exception {
    // An issuer that accepts connections and never answers keeps the only worker busy.
    try (ServerSocket silent = new ServerSocket(0)) {
      String issuer = "http://127.0.0.1:" + silent.getLocalPort();
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (Exception e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      try (KeyBrokerServer b = start(dir, limits(16, 30_000, 64 * 1024, 1, 1, 30_000), issuer)) {
        // HTTP/1.1: one connection per request (over h2c the broker allows only 4 concurrent streams per connection).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String policy = Base64.getUrlEncoder().withoutPadding().encodeToString(("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\""
            + issuer + "\",\"allOf\":[{\"claim\":\"x\",\"exists\":true}]}]}").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(b.baseUrl() + "/keys/q/create?api-version=7.5"))
            .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString(
                "{\"kty\":\"oct\",\"attributes\":{\"exportable\":true},\"release_policy\":{\"data\":\"" + policy + "\"}}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        String body = "{\"target\":\"" + token(issuer) + "\"}";
        HttpRequest release = HttpRequest.newBuilder(URI.create(b.baseUrl() + "/keys/q/release?api-version=7.5"))
            .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        CompletableFuture<HttpResponse<String>> busy = http.sendAsync(release, HttpResponse.BodyHandlers.ofString());
        waitFor(() -> !accepted.isEmpty());
        // One more waits in the queue; the rest are refused at once. Wait up to 5 s in all for a 429
        // (not 5 s per request: the queued one never completes while the worker is busy).
        List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          more.add(http.sendAsync(release, HttpResponse.BodyHandlers.ofString()));
        }
        HttpResponse<String> refused = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (refused == null && System.nanoTime() - deadline < 0) {
          for (CompletableFuture<HttpResponse<String>> f : more) {
            if (f.isDone() && f.join().statusCode() == 429) {
              refused = f.join();
            }
          }
          Thread.sleep(20);
        }
        assertTrue(refused != null, "a request beyond worker + queue is refused with 429");
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        more.forEach(f -> f.cancel(true));
        busy.cancel(true);
        // Hang up on the worker's issuer fetch (and refuse a retry) so that closing the broker does not wait for it.
        silent.close();
        for (Socket s : accepted) {
          s.close();
        }
      } finally {
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    for (int i = 0; i < 200 && !c.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
    assertTrue(c.getAsBoolean());
  }

  private static String token(String issuer) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k").build(), new JWTClaimsSet.Builder()
        .issuer(issuer).expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
    jwt.sign(new RSASSASigner(Enclaves.transferKey().getPrivate()));
    return jwt.serialize();
  }
}
