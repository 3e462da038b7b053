package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.http.BoundedHttp;
import io.kubesgx.http.HttpLimits;
import io.kubesgx.http.Refusal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The attestation service over HTTP(S) with Vert.x: event loops read requests within {@link
 * HttpLimits} (connection limit, absolute header and request deadlines, a global budget of buffered
 * body bytes — see {@link BoundedHttp}) and hand them to a fixed pool of workers through a bounded
 * queue. A full queue answers 429 with {@code Retry-After} at once, and a request that waited longer
 * than the queue deadline answers 503 without being processed. Every answer carries an {@code
 * x-ms-request-id} header; every 5xx is logged with it.
 */
public final class HttpApi implements AutoCloseable {
  /** The response header naming the request, as MAA does; error bodies repeat it. */
  public static final String REQUEST_ID = "x-ms-request-id";

  private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());

  private final Vertx vertx;
  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final ApiRouter router;
  private final Metrics metrics;
  private final Config config;
  private final BoundedHttp bounded;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean ready = true;

  /**
   * Server settings.
   *
   * @param host bind address
   * @param port port (0 picks a free one)
   * @param workers worker threads (the CPU count is right: verification is CPU-bound)
   * @param queue requests that may wait for a worker before 429
   * @param limits connection, deadline and body bounds
   * @param queueDeadlineMillis longest wait in the queue before 503
   * @param tlsCert PEM certificate chain for HTTPS, if any
   * @param tlsKey PEM private key for HTTPS, if any
   */
  public record Config(
      String host, int port, int workers, int queue, HttpLimits limits, long queueDeadlineMillis,
      Optional<Path> tlsCert, Optional<Path> tlsKey) {
    /** Defaults: 2 workers at least, a queue of 512, {@link HttpLimits#defaults()}, 5 s in the queue. */
    public static Config defaults(String host, int port) {
      int cpus = Runtime.getRuntime().availableProcessors();
      return new Config(host, port, Math.max(2, cpus), 512, HttpLimits.defaults(), 5000, Optional.empty(), Optional.empty());
    }
  }

  private HttpApi(Vertx vertx, HttpServer server, ThreadPoolExecutor workers, ApiRouter router, Metrics metrics, Config config,
      BoundedHttp bounded) {
    this.vertx = vertx;
    this.server = server;
    this.workers = workers;
    this.router = router;
    this.metrics = metrics;
    this.config = config;
    this.bounded = bounded;
  }

  /** Starts listening and returns once the port is bound. */
  public static HttpApi start(ApiRouter router, Metrics metrics, Config config) throws Exception {
    if (config.tlsCert().isPresent() != config.tlsKey().isPresent()) {
      throw new IllegalArgumentException("HTTPS needs both a certificate and a key");
    }
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
    HttpApi[] self = new HttpApi[1];
    BoundedHttp bounded = BoundedHttp.create(vertx, config.limits(), (req, why) -> self[0].refuse(req, why),
        why -> {
          if (why == Refusal.CONNECTION_LIMIT || why == Refusal.HEADER_DEADLINE) {
            metrics.refused(why.label()); // request-level refusals are counted where they are answered
          }
        });
    HttpServerOptions opts = bounded.configure(new HttpServerOptions())
        .setHost(config.host())
        .setPort(config.port())
        .setCompressionSupported(false);
    if (config.tlsCert().isPresent()) {
      opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.tlsCert().get().toString())
          .setKeyPath(config.tlsKey().get().toString()));
    }
    HttpServer server = vertx.createHttpServer(opts);
    HttpApi api = new HttpApi(vertx, server, workers, router, metrics, config, bounded);
    self[0] = api;
    metrics.gauges(() -> workers.getQueue().size(), api.inFlight::get);
    metrics.httpGauges(bounded::openConnections, bounded::bufferedBodyBytes);
    server.connectionHandler(bounded.connectionHandler());
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
    String requestId = UUID.randomUUID().toString();
    HttpServerResponse resp = req.response();
    resp.putHeader(REQUEST_ID, requestId);
    BoundedHttp.Exchange exchange = bounded.begin(req);
    String path = req.path();
    if (path == null) {
      var unused = resp.setStatusCode(400).end();
      return;
    }
    // HEAD is GET without a body: the same status and headers (Vert.x drops the body).
    String method = req.method() == HttpMethod.HEAD ? "GET" : req.method().name();
    if (path.equals("/healthz")) {
      var unused = write(resp, ApiResponse.json(200, "{\"status\":\"ok\"}"), requestId, method, path);
      return;
    }
    if (path.equals("/readyz")) {
      var unused = write(resp, ApiResponse.json(ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"shutting down\"}"),
          requestId, method, path);
      return;
    }
    if (path.equals("/metrics")) {
      Metrics.Scrape scrape = metrics.scrape(req.getHeader("Accept"));
      var unused = write(resp, new ApiResponse(200, scrape.contentType(), scrape.body(), Map.of()), requestId, method, path);
      return;
    }
    exchange.readBody(body -> dispatch(req, exchange, requestId, method, path, body));
  }

  private Future<Void> refuse(HttpServerRequest req, Refusal why) {
    metrics.refused(why.label());
    String requestId = req.response().headers().get(REQUEST_ID);
    HttpLimits l = bounded.limits();
    ApiError e = switch (why) {
      case BODY_TOO_LARGE -> new ApiError(413, "RequestTooLarge", "the request body exceeds " + l.maxBodyBytes() + " bytes");
      case BODY_DEADLINE -> new ApiError(408, "RequestTimeout",
          "the request was not received in full within " + l.requestDeadline().toSeconds() + " s");
      case BODY_BUDGET -> new ApiError(503, "Overloaded",
          "the service is holding too many request bodies in memory; retry after a second");
      case RESPONSE_DEADLINE -> new ApiError(503, "Overloaded",
          "the request was not answered within " + l.requestDeadline().toSeconds() + " s; retry later");
      default -> new ApiError(503, "Overloaded", "retry later");
    };
    metrics.observe("refused", e.status(), 0);
    HttpServerResponse resp = req.response();
    if (req.version() != HttpVersion.HTTP_2) {
      resp.putHeader("Connection", "close"); // HTTP/1.x: an unread body makes the connection unusable
    }
    return write(resp, ApiResponse.error(e, requestId), requestId, req.method().name(), String.valueOf(req.path()));
  }

  /** Queues the request for a worker; the returned future completes when the worker no longer needs the body. */
  private Future<Void> dispatch(HttpServerRequest req, BoundedHttp.Exchange exchange, String requestId, String method,
      String path, byte[] body) {
    Promise<Void> bodyReleased = Promise.promise();
    Context ctx = Vertx.currentContext();
    Map<String, String> query = new HashMap<>();
    req.params().forEach(e -> query.putIfAbsent(e.getKey(), e.getValue()));
    Optional<String> authz = Optional.ofNullable(req.getHeader("Authorization"));
    long enqueued = System.nanoTime();
    try {
      workers.execute(() -> {
        ApiResponse r;
        try {
          if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - enqueued) > config.queueDeadlineMillis()) {
            r = ApiResponse.error(new ApiError(503, "Overloaded",
                "the request waited longer than " + config.queueDeadlineMillis() + " ms for a worker; retry later"), requestId);
            metrics.observe("queue-timeout", 503, System.nanoTime() - enqueued);
          } else {
            inFlight.incrementAndGet();
            try {
              r = router.handle(requestId, method, path, query, authz, body);
            } finally {
              inFlight.decrementAndGet();
            }
          }
        } finally {
          bodyReleased.complete();
        }
        ApiResponse fr = r;
        ctx.runOnContext(v -> {
          if (!exchange.isOver()) {
            var unused = write(req.response(), fr, requestId, method, path);
          }
        });
      });
    } catch (RejectedExecutionException e) {
      bodyReleased.complete();
      metrics.rejected();
      metrics.observe("rejected", 429, 0);
      var unused = write(req.response(), ApiResponse.error(new ApiError(429, "TooManyRequests",
          "the service is at capacity (" + config.queue() + " requests queued); retry after a second"), requestId),
          requestId, method, path);
    }
    return bodyReleased.future();
  }

  private static Future<Void> write(HttpServerResponse resp, ApiResponse r, String requestId, String method, String path) {
    if (resp.ended() || resp.closed()) {
      return Future.succeededFuture();
    }
    if (r.status() >= 500) {
      LOG.warning("request " + requestId + " (" + method + " " + path + ") answered " + r.status() + ": "
          + new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    resp.setStatusCode(r.status()).putHeader("Content-Type", r.contentType())
        .putHeader("Content-Length", Integer.toString(r.body().length));
    r.headers().forEach(resp::putHeader);
    return resp.end(Buffer.buffer(r.body()));
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
