package io.kubesgx.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bounds against a real Vert.x server and raw sockets. Deadlines are short (hundreds of
 * milliseconds) and assertions generous: they check that a deadline is absolute (bytes arriving
 * do not extend it), not how fast anything is.
 */
class BoundedHttpTest {
  private final Vertx vertx = Vertx.vertx();
  private final Map<Refusal, AtomicInteger> refusals = new ConcurrentHashMap<>();
  private BoundedHttp bounded;
  private HttpServer server;

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int start(HttpLimits limits) throws Exception {
    bounded = BoundedHttp.create(vertx, limits, (req, why) -> {
      var r = req.response().setStatusCode(why.status());
      if (why.retryAfter()) {
        r.putHeader("Retry-After", "1");
      }
      return r.end(why.label());
    }, why -> refusals.computeIfAbsent(why, k -> new AtomicInteger()).incrementAndGet());
    server = vertx.createHttpServer(bounded.configure(new HttpServerOptions().setHost("127.0.0.1").setPort(0)));
    server.connectionHandler(bounded.connectionHandler());
    server.requestHandler(req -> bounded.begin(req).readBody(body -> req.response().end("got " + body.length)));
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private static HttpLimits limits() {
    return HttpLimits.defaults().withDeadlines(Duration.ofMillis(600), Duration.ofMillis(900));
  }

  /** Reads until EOF (or reset) and returns what came. */
  private static String readAll(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] b = new byte[4096];
    try {
      for (int n; (n = in.read(b)) > 0; ) {
        out.write(b, 0, n);
      }
    } catch (SocketException reset) {
      // closed by the server
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Sends one byte every 100 ms until the server closes or {@code maxMillis} pass; returns the time taken. */
  private static long trickle(Socket s, long maxMillis) throws Exception {
    long start = System.nanoTime();
    OutputStream o = s.getOutputStream();
    try {
      while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < maxMillis) {
        o.write('a');
        o.flush();
        Thread.sleep(100);
      }
    } catch (SocketException closed) {
      // the server closed the connection
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void readBody_bodyTrickledPastRequestDeadline_answers408AndCloses() throws Exception {
    int port = start(limits());
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      long took = trickle(s, 5000);
      assertTrue(took < 4000, "a byte every 100 ms must not extend the 900 ms deadline; took " + took + " ms");
      String answer = readAll(s);
      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
    }
    assertEquals(1, refusals.get(Refusal.BODY_DEADLINE).get());
    assertEquals(0, bounded.bufferedBodyBytes());
  }

  @Test
  void configure_firstHeadTrickled_closedByIdleTimeoutWhichBytesDoNotExtend() throws Exception {
    int port = start(limits());
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      long took = trickle(s, 5000);
      assertTrue(took < 4000, "bytes of an unfinished head must not extend the deadline; took " + took + " ms");
      assertEquals("", readAll(s));
    }
  }

  @Test
  void connectionHandler_nextHeadTrickledPastHeaderDeadline_closesConnection() throws Exception {
    int port = start(limits().withDeadlines(Duration.ofMillis(600), Duration.ofSeconds(20)));
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] b = new byte[512];
      assertTrue(new String(b, 0, s.getInputStream().read(b), StandardCharsets.ISO_8859_1).endsWith("got 0"));
      s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      long took = trickle(s, 8000);
      assertTrue(took < 5000, "the 600 ms header deadline, not the 20 s idle timeout, closed it; took " + took + " ms");
      assertEquals("", readAll(s));
    }
  }

  @Test
  void connectionHandler_beyondMaxConnections_closesTheExtraOne() throws Exception {
    int port = start(HttpLimits.defaults().withMaxConnections(2));
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        held.add(s);
        s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] b = new byte[512];
        assertTrue(s.getInputStream().read(b) > 0); // answered; the connection stays open (keep-alive)
      }
      awaitConnections(2);
      try (Socket extra = new Socket("127.0.0.1", port)) {
        extra.setSoTimeout(10_000);
        extra.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("", readAll(extra), "the third connection is closed without an answer");
      }
      assertEquals(1, refusals.get(Refusal.CONNECTION_LIMIT).get());
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    awaitConnections(0);
  }

  @Test
  void readBody_contentLengthBeyondFreeBudget_answers503BeforeReadingAndChunkedOverflowReleases() throws Exception {
    // Budget 2 MiB: large bodies may hold 1.5 MiB.
    int port = start(limits().withBodies(1 << 20, 2L << 20).withDeadlines(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    try (Socket big = new Socket("127.0.0.1", port)) {
      // A chunked body that grows to 1 MiB and stays open holds 1 MiB of the budget.
      OutputStream o = big.getOutputStream();
      o.write("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 15; i++) {
        o.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(chunk);
        o.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      o.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (bounded.bufferedBodyBytes() < (1 << 20) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(1 << 20, bounded.bufferedBodyBytes(), "charged by capacity: 1 KiB doubling up to the 1 MiB cap");
      try (Socket second = new Socket("127.0.0.1", port)) {
        second.setSoTimeout(10_000);
        second.getOutputStream().write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 600000\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        String answer = readAll(second);
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("Retry-After: 1") || answer.contains("retry-after: 1"), answer);
      }
      try (Socket small = new Socket("127.0.0.1", port)) {
        small.setSoTimeout(10_000);
        small.getOutputStream().write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            .getBytes(StandardCharsets.US_ASCII));
        assertTrue(readAll(small).endsWith("got 5"), "small bodies still fit");
      }
      // Growing past the large-body share (1.5 MiB) is refused mid-body: the chunked body is over 1 MiB.
      o.write(("100000\r\n").getBytes(StandardCharsets.US_ASCII));
      o.write(new byte[0x100000]);
      o.flush();
      big.setSoTimeout(10_000);
      String answer = readAll(big);
      assertTrue(answer.startsWith("HTTP/1.1 413") || answer.startsWith("HTTP/1.1 503"), answer);
    } catch (SocketException e) {
      // the server closed while we were still writing: fine, the refusal is what counts
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (bounded.bufferedBodyBytes() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, bounded.bufferedBodyBytes(), "every charge is returned");
    assertEquals(1, refusals.get(Refusal.BODY_BUDGET).get());
  }

  @Test
  void readBody_declaredBodyAboveLimit_answers413() throws Exception {
    int port = start(limits().withBodies(1000, 1L << 20));
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(readAll(s).startsWith("HTTP/1.1 413"));
    }
  }

  @Test
  void readBody_h2cStreamNeverEnding_isAnswered408WithinTheDeadline() throws Exception {
    int port = start(limits());
    HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    HttpClientResponse r = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI("/x"))
        .compose(req -> {
          req.setChunked(true);
          var unused = req.write(Buffer.buffer("partial"));
          return req.response();
        })
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(HttpVersion.HTTP_2, r.version());
    assertEquals(408, r.statusCode());
    assertEquals(1, refusals.get(Refusal.BODY_DEADLINE).get());
    Future<Void> unused = client.close();
  }

  @Test
  void begin_keepAliveRequestsWithinDeadlines_allAnswered() throws Exception {
    // header deadline 1.5 s from each answer; four pauses of 0.6 s (2.4 s in all) keep the connection
    // only if the deadline restarts with every answer, with 0.9 s of margin for a loaded machine
    int port = start(HttpLimits.defaults().withDeadlines(Duration.ofMillis(1500), Duration.ofMillis(2000)));
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      for (int i = 0; i < 4; i++) {
        s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi".getBytes(StandardCharsets.US_ASCII));
        byte[] b = new byte[512];
        int n = s.getInputStream().read(b);
        assertTrue(new String(b, 0, n, StandardCharsets.ISO_8859_1).endsWith("got 2"));
        Thread.sleep(600); // each wait is shorter than the header deadline: the connection stays
      }
    }
    assertTrue(refusals.isEmpty(), refusals.toString());
  }

  private void awaitConnections(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (bounded.openConnections() != n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(n, bounded.openConnections());
  }
}
