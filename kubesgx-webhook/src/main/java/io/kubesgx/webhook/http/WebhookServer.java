package io.kubesgx.webhook.http;

import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.WebhookException.Reason;
import io.kubesgx.http.BoundedHttp;
import io.kubesgx.http.Refusal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's HTTPS server (TLS 1.2 and 1.3 only, HTTP/1.1): {@code POST /mutate},
 * {@code POST /validate}, {@code GET /healthz}, {@code /readyz}, {@code /metrics}.
 *
 * <p>Hardening, all limits from {@link ServerLimits}: the connection cap, absolute deadlines
 * (request head, then whole request and answer) and body cap are enforced by {@link BoundedHttp};
 * decisions run on a bounded worker pool and requests beyond its queue get 503 with {@code
 * Retry-After}.
 *
 * <pre>{@code
 * try (WebhookServer s = WebhookServer.start(0, tls, handler, metrics, ServerLimits.defaults())) {
 *   int port = s.port();
 * }
 * }</pre>
 */
public final class WebhookServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

  /**
   * PEM serving certificate (chain) and private key.
   *
   * @param certPem certificate chain, PEM
   * @param keyPem private key, PEM (never logged)
   */
  public record TlsMaterial(byte[] certPem, byte[] keyPem) {
    /** Copies the arrays. */
    public TlsMaterial {
      certPem = certPem.clone();
      keyPem = keyPem.clone();
    }

    @Override
    public byte[] certPem() {
      return certPem.clone();
    }

    @Override
    public byte[] keyPem() {
      return keyPem.clone();
    }

    @Override
    public String toString() {
      return "TlsMaterial[cert " + certPem.length + " bytes, key redacted]";
    }

    /**
     * Checks that the certificate chain and the private key parse.
     *
     * @throws WebhookException {@link Reason#BAD_TLS_MATERIAL} naming which part is unusable
     */
    public void check() throws WebhookException {
      try {
        var certs = java.security.cert.CertificateFactory.getInstance("X.509")
            .generateCertificates(new java.io.ByteArrayInputStream(certPem));
        if (certs.isEmpty()) {
          throw new java.security.cert.CertificateException("no certificate");
        }
      } catch (java.security.cert.CertificateException | RuntimeException e) {
        throw new WebhookException(Reason.BAD_TLS_MATERIAL,
            "the TLS certificate is not a PEM X.509 certificate chain");
      }
      try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(
          new java.io.InputStreamReader(new java.io.ByteArrayInputStream(keyPem),
              java.nio.charset.StandardCharsets.US_ASCII))) {
        Object o = p.readObject();
        if (!(o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo)
            && !(o instanceof org.bouncycastle.openssl.PEMKeyPair)) {
          throw new java.io.IOException("not a key");
        }
      } catch (java.io.IOException | RuntimeException e) {
        throw new WebhookException(Reason.BAD_TLS_MATERIAL,
            "the TLS key is not an unencrypted PEM private key (PKCS#8, EC or RSA)");
      }
    }

    PemKeyCertOptions options() {
      return new PemKeyCertOptions().setCertValue(Buffer.buffer(certPem))
          .setKeyValue(Buffer.buffer(keyPem));
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private volatile boolean ready;

  private WebhookServer(Vertx vertx, HttpServer server, ThreadPoolExecutor workers) {
    this.vertx = vertx;
    this.server = server;
    this.workers = workers;
  }

  /**
   * Binds and starts the server.
   *
   * @param port TCP port, 0 for any
   * @param tls serving certificate and key
   * @throws WebhookException {@link Reason#BAD_TLS_MATERIAL} when the certificate or key cannot be
   *     used, {@link Reason#SERVER_START} when the port cannot be bound
   */
  public static WebhookServer start(int port, TlsMaterial tls, AdmissionHandler handler,
      WebhookMetrics metrics, ServerLimits limits) throws WebhookException {
    Objects.requireNonNull(tls);
    Objects.requireNonNull(handler);
    tls.check();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
    HttpServerOptions opts = new HttpServerOptions()
        .setSsl(true)
        .setUseAlpn(false)
        .setKeyCertOptions(tls.options())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
        .setSslHandshakeTimeout(limits.requestDeadline().toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
        .setDecompressionSupported(false)
        .setCompressionSupported(false);
    BoundedHttp bounded = BoundedHttp.create(vertx, limits.httpLimits(), Wiring::refusal,
        why -> metrics.rejected(why.label()));
    bounded.configure(opts).setMaxHeaderSize(limits.maxHeaderBytes());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0,
        TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(limits.queueCapacity()),
        r -> {
          Thread t = new Thread(r, "kubesgx-webhook-worker");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    HttpServer server = vertx.createHttpServer(opts);
    WebhookServer ws = new WebhookServer(vertx, server, pool);
    new Wiring(ws, vertx, handler, metrics, bounded, pool).install(server);
    try {
      server.listen(port).await();
    } catch (RuntimeException e) {
      ws.close();
      String msg = String.valueOf(e.getMessage());
      throw new WebhookException(Reason.SERVER_START, "cannot listen on port " + port + ": " + msg);
    }
    ws.ready = true;
    LOG.info("webhook listening on port {} (HTTPS, TLS 1.2+)", server.actualPort());
    return ws;
  }

  /** Returns the bound port. */
  public int port() {
    return server.actualPort();
  }

  /** Returns whether the server answers {@code /readyz} with 200. */
  public boolean ready() {
    return ready;
  }

  /** Marks the server (not) ready, e.g. while certificates are being replaced. */
  public void ready(boolean value) {
    ready = value;
  }

  /** Replaces the serving certificate for new connections (rotation). */
  public void updateTls(TlsMaterial tls) throws WebhookException {
    tls.check();
    try {
      server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(tls.options())
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))).await();
    } catch (RuntimeException e) {
      throw new WebhookException(Reason.BAD_TLS_MATERIAL,
          "cannot use the new TLS certificate/key: " + e.getMessage());
    }
  }

  /**
   * Stops gracefully: {@code /readyz} turns 503, no new connections are accepted, and requests in
   * flight get up to {@code grace} to be answered before everything is closed.
   */
  public void shutdown(java.time.Duration grace) {
    ready = false;
    try {
      server.shutdown(grace).await();
    } catch (RuntimeException e) {
      LOG.debug("draining server", e);
    }
    close();
  }

  @Override
  public void close() {
    ready = false;
    try {
      server.close().await();
    } catch (RuntimeException e) {
      LOG.debug("closing server", e);
    }
    workers.shutdownNow();
    try {
      vertx.close().await();
    } catch (RuntimeException e) {
      LOG.debug("closing vertx", e);
    }
  }

  /** Request handling; connection, deadline and body bounds are {@link BoundedHttp}'s. */
  private static final class Wiring {
    private final WebhookServer owner;
    private final Vertx vertx;
    private final AdmissionHandler handler;
    private final WebhookMetrics metrics;
    private final ThreadPoolExecutor pool;
    private final BoundedHttp bounded;

    Wiring(WebhookServer owner, Vertx vertx, AdmissionHandler handler, WebhookMetrics metrics,
        BoundedHttp bounded, ThreadPoolExecutor pool) {
      this.owner = owner;
      this.vertx = vertx;
      this.handler = handler;
      this.metrics = metrics;
      this.bounded = bounded;
      this.pool = pool;
    }

    void install(HttpServer server) {
      server.connectionHandler(bounded.connectionHandler());
      server.requestHandler(this::onRequest);
      server.exceptionHandler(e -> LOG.debug("connection error: {}", e.toString()));
    }

    private void onRequest(HttpServerRequest req) {
      BoundedHttp.Exchange exchange = bounded.begin(req);
      String path = req.path();
      boolean post = req.method() == HttpMethod.POST;
      if (path.equals(AdmissionHandler.MUTATE) || path.equals(AdmissionHandler.VALIDATE)) {
        if (!post) {
          send(req, HttpResult.text(405, "use POST"));
          return;
        }
        exchange.readBody(bytes -> decide(req, path, bytes));
        return;
      }
      if (req.method() != HttpMethod.GET) {
        send(req, HttpResult.text(405, "use GET"));
        return;
      }
      switch (path) {
        case "/healthz" -> send(req, HttpResult.text(200, "ok"));
        case "/readyz" -> send(req, owner.ready ? HttpResult.text(200, "ok")
            : HttpResult.text(503, "not ready"));
        case "/metrics" -> send(req, new HttpResult(200,
            "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        default -> send(req, HttpResult.text(404, "not found"));
      }
    }

    /** Runs the decision on a worker; the returned future ends when the answer is written. */
    private Future<Void> decide(HttpServerRequest req, String path, byte[] bytes) {
      Promise<Void> done = Promise.promise();
      Context ctx = vertx.getOrCreateContext();
      try {
        pool.execute(() -> {
          HttpResult r;
          try {
            r = handler.handle(path, bytes);
          } catch (RuntimeException e) {
            LOG.error("decision failed", e);
            r = HttpResult.text(500, "internal error");
          }
          HttpResult result = r;
          ctx.runOnContext(x -> {
            send(req, result);
            done.complete();
          });
        });
      } catch (RejectedExecutionException e) {
        metrics.rejected("overload");
        req.response().putHeader("Retry-After", "1");
        send(req, HttpResult.text(503, "overloaded, retry"));
        done.complete();
      }
      return done.future();
    }

    static Future<Void> refusal(HttpServerRequest req, Refusal why) {
      var resp = req.response();
      if (why.retryAfter()) {
        resp.putHeader("Retry-After", "1");
      }
      String text = switch (why) {
        case BODY_TOO_LARGE -> "request body too large";
        case BODY_DEADLINE -> "request not received in time";
        default -> "overloaded, retry";
      };
      return resp.setStatusCode(why.status()).putHeader("Content-Type", "text/plain; charset=utf-8")
          .putHeader("Connection", "close").end(text);
    }

    private void send(HttpServerRequest req, HttpResult r) {
      if (req.response().ended() || req.response().closed()) {
        return;
      }
      req.response().setStatusCode(r.status()).putHeader("Content-Type", r.contentType())
          .end(Buffer.buffer(r.body()));
    }
  }
}
