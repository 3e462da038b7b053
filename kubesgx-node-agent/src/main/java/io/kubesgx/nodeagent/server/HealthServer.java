package io.kubesgx.nodeagent.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubesgx.common.httpserver.JdkHttpServerLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Serves {@code /healthz}, {@code /readyz} and {@code /metrics} with {@code com.sun.net.httpserver}
 * (no dependencies, smallest footprint: java-stack.md §7.1); {@link Metrics} renders the metrics
 * with the Prometheus Java client. The server is bounded by {@link JdkHttpServerLimits} (request and
 * response deadlines, a connection limit, a thread per open connection), so silent clients cannot
 * stall {@code /healthz}.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  private HealthServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts the server on {@code bind} (port 0 picks a free port).
   *
   * @param ready readiness: every device plugin is registered
   * @param readyDetail a one-line explanation returned with readiness
   */
  public static HealthServer start(InetSocketAddress bind, BooleanSupplier ready,
      Supplier<String> readyDetail, Metrics metrics) throws IOException {
    JdkHttpServerLimits.Bounded b = JdkHttpServerLimits.create(bind, 16, "kubesgx-http");
    HttpServer s = b.server();
    ExecutorService ex = b.executor();
    s.createContext("/healthz", x -> reply(x, 200, "text/plain", "ok\n"));
    s.createContext("/readyz", x -> {
      boolean r = ready.getAsBoolean();
      reply(x, r ? 200 : 503, "text/plain", (r ? "ready" : "not ready") + ": "
          + readyDetail.get() + "\n");
    });
    s.createContext("/metrics", x -> {
      Metrics.Scrape scrape = metrics.scrape(x.getRequestHeaders().getFirst("Accept"));
      reply(x, 200, scrape.contentType(), scrape.body());
    });
    s.start();
    return new HealthServer(s, ex);
  }

  /** Returns the bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange x, int code, String type, String body)
      throws IOException {
    reply(x, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void reply(HttpExchange x, int code, String type, byte[] b) throws IOException {
    try (x) {
      if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
        x.sendResponseHeaders(405, -1);
        return;
      }
      x.getResponseHeaders().set("Content-Type", type);
      x.sendResponseHeaders(code, b.length);
      try (OutputStream o = x.getResponseBody()) {
        o.write(b);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
