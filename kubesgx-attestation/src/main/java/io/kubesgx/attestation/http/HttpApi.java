package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attestation service over HTTP(S) with Vert.x: event loops read requests (bounded size) and
 * hand them to a fixed pool of workers through a bounded queue. A full queue answers 429 with
 * {@code Retry-After} at once, and a request that waited longer than the queue deadline answers 503
 * without being processed, so memory and latency stay bounded under any load.
 */
public final class HttpApi implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final ApiRouter router;
  private final Metrics metrics;
  private final Config config;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean ready = true;

  /**
   * Server settings.
   *
   * @param host bind address
   * @param port port (0 picks a free one)
   * @param workers worker threads (the CPU count is right: verification is CPU-bound)
   * @param queue requests that may wait for a worker before 429
   * @param maxBodyBytes largest request body (413 above)
   * @param queueDeadlineMillis longest wait in the queue before 503
   * @param tlsCert PEM certificate chain for HTTPS, if any
   * @param tlsKey PEM private key for HTTPS, if any
   */
  public record Config(
      String host, int port, int workers, int queue, int maxBodyBytes, long queueDeadlineMillis,
      Optional<Path> tlsCert, Optional<Path> tlsKey) {
    /** Defaults: loopback, 2 workers per CPU… see the CLI for the values used. */
    public static Config defaults(String host, int port) {
      int cpus = Runtime.getRuntime().availableProcessors();
      return new Config(host, port, Math.max(2, cpus), 512, 1 << 20, 5000, Optional.empty(), Optional.empty());
    }
  }

  private HttpApi(Vertx vertx, HttpServer server, ThreadPoolExecutor workers, ApiRouter router, Metrics metrics, Config config) {
    this.vertx = vertx;
    this.server = server;
    this.workers = workers;
    this.router = router;
    this.metrics = metrics;
    this.config = config;
  }

  /** Starts listening and returns once the port is bound. */
  public static HttpApi start(ApiRouter router, Metrics metrics, Config config) throws Exception {
    int loops = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setWorkerPoolSize(1));
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor workers =
        new ThreadPoolExecutor(config.workers(), config.workers(), 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.queue()),
            r -> {
              Thread t = new Thread(r, "attest-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    HttpServerOptions opts = new HttpServerOptions()
        .setHost(config.host())
        .setPort(config.port())
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxHeaderSize(16 * 1024)
        .setMaxInitialLineLength(8 * 1024)
        .setCompressionSupported(false);
    if (config.tlsCert().isPresent() != config.tlsKey().isPresent()) {
      throw new IllegalArgumentException("HTTPS needs both a certificate and a key");
    }
    if (config.tlsCert().isPresent()) {
      opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.tlsCert().get().toString())
          .setKeyPath(config.tlsKey().get().toString()));
    }
    HttpServer server = vertx.createHttpServer(opts);
    HttpApi api = new HttpApi(vertx, server, workers, router, metrics, config);
    metrics.gauges(() -> workers.getQueue().size(), api.inFlight::get);
    server.requestHandler(api::handle);
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      vertx.close();
      workers.shutdownNow();
      throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    }
    return api;
  }

  /** Returns the bound port. */
  public int port() {
    return server.actualPort();
  }

  /** Returns true when HTTPS is on. */
  public boolean isTls() {
    return config.tlsCert().isPresent();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path == null) {
      req.response().setStatusCode(400).end();
      return;
    }
    if (path.equals("/healthz")) {
      var unused = req.response().putHeader("Content-Type", "application/json").end("{\"status\":\"ok\"}");
      return;
    }
    if (path.equals("/readyz")) {
      var unused = req.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json")
          .end(ready ? "{\"status\":\"ready\"}" : "{\"status\":\"shutting down\"}");
      return;
    }
    if (path.equals("/metrics")) {
      Metrics.Scrape scrape = metrics.scrape(req.getHeader("Accept"));
      var unused = req.response().putHeader("Content-Type", scrape.contentType()).end(Buffer.buffer(scrape.body()));
      return;
    }
    String cl = req.getHeader("Content-Length");
    if (cl != null) {
      long len;
      try {
        len = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        len = -1;
      }
      if (len < 0 || len > config.maxBodyBytes()) {
        tooLarge(req);
        return;
      }
    }
    Buffer body = Buffer.buffer();
    AtomicLong size = new AtomicLong();
    boolean[] refused = {false};
    req.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (size.addAndGet(chunk.length()) > config.maxBodyBytes()) {
        refused[0] = true;
        tooLarge(req);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> refused[0] = true);
    req.endHandler(v -> {
      if (!refused[0]) {
        dispatch(req, body.getBytes());
      }
    });
  }

  private void tooLarge(HttpServerRequest req) {
    ApiResponse r = ApiResponse.error(new ApiError(413, "RequestTooLarge",
        "the request body exceeds " + config.maxBodyBytes() + " bytes"));
    metrics.observe("other", 413, 0);
    HttpServerResponse resp = req.response();
    if (!resp.ended()) {
      if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
        resp.putHeader("Connection", "close"); // HTTP/1.x: the unread body makes the connection unusable
      }
      write(resp, r);
    }
  }

  private void dispatch(HttpServerRequest req, byte[] body) {
    Context ctx = Vertx.currentContext();
    String method = req.method().name();
    String path = req.path();
    Map<String, String> query = new HashMap<>();
    req.params().forEach(e -> query.putIfAbsent(e.getKey(), e.getValue()));
    Optional<String> authz = Optional.ofNullable(req.getHeader("Authorization"));
    long enqueued = System.nanoTime();
    try {
      workers.execute(() -> {
        ApiResponse r;
        if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - enqueued) > config.queueDeadlineMillis()) {
          r = ApiResponse.error(new ApiError(503, "Overloaded",
              "the request waited longer than " + config.queueDeadlineMillis() + " ms for a worker; retry later"));
          metrics.observe("queue-timeout", 503, System.nanoTime() - enqueued);
        } else {
          inFlight.incrementAndGet();
          try {
            r = router.handle(method, path, query, authz, body);
          } finally {
            inFlight.decrementAndGet();
          }
        }
        ApiResponse fr = r;
        ctx.runOnContext(v -> write(req.response(), fr));
      });
    } catch (RejectedExecutionException e) {
      metrics.rejected();
      metrics.observe("rejected", 429, 0);
      write(req.response(), ApiResponse.error(new ApiError(429, "TooManyRequests",
          "the service is at capacity (" + config.queue() + " requests queued); retry after a second")));
    }
  }

  private static void write(HttpServerResponse resp, ApiResponse r) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(r.status()).putHeader("Content-Type", r.contentType());
    r.headers().forEach(resp::putHeader);
    resp.end(Buffer.buffer(r.body()));
  }

  /** Marks the server not ready, stops accepting, waits for in-flight work, and closes. */
  @Override
  public void close() {
    ready = false;
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    }
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    }
  }
}
