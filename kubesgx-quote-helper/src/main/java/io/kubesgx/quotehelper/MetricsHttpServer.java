package io.kubesgx.quotehelper;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.httpserver.JdkHttpServerLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

/**
 * A small HTTP endpoint for the quote helper: {@code /healthz} (the process is up),
 * {@code /readyz} (the server accepts connections and the backend is ready — for relay: the
 * upstream socket answers) and {@code /metrics} (rendered by the Prometheus Java client: text
 * 0.0.4, or OpenMetrics when the scraper asks for it). The server is bounded by {@link
 * JdkHttpServerLimits} (request and response deadlines, a connection limit, a thread per open
 * connection), so silent clients cannot stall {@code /healthz}.
 */
public final class MetricsHttpServer implements AutoCloseable {
  private final HttpServer http;
  private final ExecutorService executor;

  private MetricsHttpServer(HttpServer http, ExecutorService executor) {
    this.http = http;
    this.executor = executor;
  }

  /** Starts the endpoint on {@code address} (port 0: any free port). */
  public static MetricsHttpServer start(InetSocketAddress address, QuoteHelperServer server) throws IOException {
    Objects.requireNonNull(server);
    JdkHttpServerLimits.Bounded bounded = JdkHttpServerLimits.create(address, 16, "quote-helper-http");
    HttpServer http = bounded.server();
    http.createContext("/healthz", ex -> send(ex, 200, "ok\n", "text/plain"));
    http.createContext("/readyz", ex -> {
      boolean ready = server.isServing() && server.backend().ready();
      send(ex, ready ? 200 : 503, ready ? "ready\n" : "not ready\n", "text/plain");
    });
    http.createContext("/metrics", ex -> {
      Metrics.Scrape scrape = server.metrics().scrape(server.backend(), ex.getRequestHeaders().getFirst("Accept"));
      send(ex, 200, scrape.body(), scrape.contentType());
    });
    ExecutorService executor = bounded.executor();
    http.start();
    return new MetricsHttpServer(http, executor);
  }

  /** Returns the bound port. */
  public int port() {
    return http.getAddress().getPort();
  }

  private static void send(HttpExchange ex, int status, String body, String contentType) throws IOException {
    send(ex, status, body.getBytes(StandardCharsets.UTF_8), contentType);
  }

  private static void send(HttpExchange ex, int status, byte[] b, String contentType) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
