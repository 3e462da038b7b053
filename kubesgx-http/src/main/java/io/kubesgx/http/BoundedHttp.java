package io.kubesgx.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Puts {@link HttpLimits} on a Vert.x HTTP server (HTTP/1.1, h2c and HTTP/2 over TLS alike).
 *
 * <ul>
 *   <li>Connections beyond {@link HttpLimits#maxConnections()} are closed as soon as Vert.x hands
 *       them over (no answer is written: reading a request would already cost memory).
 *   <li>A connection must deliver a complete request head within {@link HttpLimits#headerDeadline()}
 *       of being handed over or of its previous answer, else it is closed. Vert.x hands a cleartext
 *       connection over only once its first request head is complete (it must see whether the
 *       request asks for an h2c upgrade); until then the connection is not counted and its head is
 *       bounded by the server's idle timeout, which {@link #configure} sets to the request deadline
 *       (bytes of an unfinished head do not reset it), and by the 8 KiB head limit.
 *   <li>Each request (each HTTP/2 stream) must be received and answered within {@link
 *       HttpLimits#requestDeadline()} of its head: 408 while the body is still arriving, 503 when
 *       the answer is late; then the connection is closed (HTTP/1.1) or, for a late body, the stream
 *       reset (HTTP/2).
 *   <li>Bodies are buffered only against the shared {@link BodyBudget}: a declared {@code
 *       Content-Length} that is too large (413) or does not fit now (503) is refused before any
 *       byte is read; chunked and HTTP/2 bodies are charged as they grow. The charge is returned
 *       when the answer is written or the request dies.
 * </ul>
 *
 * <pre>{@code
 * BoundedHttp bounded = BoundedHttp.create(vertx, HttpLimits.defaults(), writer, metrics::refused);
 * HttpServer server = vertx.createHttpServer(bounded.configure(new HttpServerOptions()));
 * server.connectionHandler(bounded.connectionHandler());
 * server.requestHandler(req -> bounded.begin(req).readBody(body -> answer(req, body))); // answer returns a Future
 * }</pre>
 */
public final class BoundedHttp {
  /** Writes a refusal's answer (status {@link Refusal#status()}) and ends the response. */
  @FunctionalInterface
  public interface RefusalWriter {
    /** Writes and ends {@code request}'s response; returns the future of {@code end}. */
    Future<Void> write(HttpServerRequest request, Refusal why);
  }

  private final Vertx vertx;
  private final HttpLimits limits;
  private final RefusalWriter writer;
  private final Consumer<Refusal> listener;
  private final BodyBudget budget;
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<HttpConnection, Conn> open = new ConcurrentHashMap<>();

  private BoundedHttp(Vertx vertx, HttpLimits limits, RefusalWriter writer, Consumer<Refusal> listener) {
    this.vertx = vertx;
    this.limits = limits;
    this.writer = writer;
    this.listener = listener;
    this.budget = new BodyBudget(limits.bodyBudgetBytes());
  }

  /**
   * Creates the bounds for servers of {@code vertx}.
   *
   * @param writer writes the answer of a refused request
   * @param listener told of every refusal (for metrics); called on an event loop, must not block
   */
  public static BoundedHttp create(Vertx vertx, HttpLimits limits, RefusalWriter writer, Consumer<Refusal> listener) {
    return new BoundedHttp(Objects.requireNonNull(vertx), Objects.requireNonNull(limits), Objects.requireNonNull(writer),
        Objects.requireNonNull(listener));
  }

  /** Returns the limits. */
  public HttpLimits limits() {
    return limits;
  }

  /**
   * Sets the options these bounds depend on: the idle timeout (the request deadline, a backstop for
   * connections not yet handed over; shorter would cut off requests being processed), request-head
   * sizes (4 KiB line, 8 KiB head) and the HTTP/2 stream and header-list limits. Returns {@code
   * options}.
   */
  public HttpServerOptions configure(HttpServerOptions options) {
    long idle = Math.max(1, (limits.requestDeadline().toMillis() + 999) / 1000);
    return options
        .setIdleTimeout((int) idle)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxInitialLineLength(4 * 1024)
        .setMaxHeaderSize(8 * 1024)
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(limits.maxStreamsPerConnection())
            .setMaxHeaderListSize(8 * 1024));
  }

  /** Returns the handler to install with {@code HttpServer.connectionHandler}. */
  public Handler<HttpConnection> connectionHandler() {
    return conn -> {
      if (connections.incrementAndGet() > limits.maxConnections()) {
        connections.decrementAndGet();
        listener.accept(Refusal.CONNECTION_LIMIT);
        var unused = conn.close();
        return;
      }
      Conn c = new Conn(conn);
      open.put(conn, c);
      conn.closeHandler(v -> {
        if (open.remove(conn) != null) {
          connections.decrementAndGet();
          c.cancelHeaderTimer();
        }
      });
      c.armHeaderTimer(true);
    };
  }

  /** Returns the connections open now (those handed over by Vert.x). */
  public int openConnections() {
    return connections.get();
  }

  /** Returns the request-body bytes charged to the budget now. */
  public long bufferedBodyBytes() {
    return budget.used();
  }

  /**
   * Starts bounding a request: call first thing in the request handler, on its event loop. The
   * request deadline runs from now until the response ends.
   */
  public Exchange begin(HttpServerRequest request) {
    Conn c = open.get(request.connection());
    Exchange e = new Exchange(request, c);
    if (c != null) {
      c.active++;
      c.cancelHeaderTimer();
    }
    HttpServerResponse resp = request.response();
    resp.endHandler(v -> e.finish());
    resp.closeHandler(v -> e.finish());
    resp.exceptionHandler(t -> e.finish());
    request.exceptionHandler(t -> e.finish());
    e.timer = vertx.setTimer(Math.max(1, limits.requestDeadline().toMillis()), id -> e.deadline());
    return e;
  }

  /** Per-connection state; touched only on the connection's event loop. */
  private final class Conn {
    final HttpConnection connection;
    int active;
    long headerTimer = -1;

    Conn(HttpConnection connection) {
      this.connection = connection;
    }

    void armHeaderTimer(boolean first) {
      cancelHeaderTimer();
      headerTimer = vertx.setTimer(Math.max(1, limits.headerDeadline().toMillis()), id -> {
        headerTimer = -1;
        if (active == 0) {
          if (first) {
            listener.accept(Refusal.HEADER_DEADLINE);
          }
          var unused = connection.close();
        }
      });
    }

    void cancelHeaderTimer() {
      if (headerTimer >= 0) {
        vertx.cancelTimer(headerTimer);
        headerTimer = -1;
      }
    }
  }

  /** One request under the bounds. Use it on the request's event loop only. */
  public final class Exchange {
    private final HttpServerRequest request;
    private final Conn conn;
    private long timer = -1;
    private boolean finished;
    private boolean refused;
    private boolean bodyComplete;
    private long charged;

    private Exchange(HttpServerRequest request, Conn conn) {
      this.request = request;
      this.conn = conn;
    }

    /**
     * Reads the whole body within the bounds and hands it to {@code onBody} (on the event loop).
     * When a bound is hit the refusal is answered instead and {@code onBody} is never called. The
     * body stays charged to the budget until the future {@code onBody} returns completes (with any
     * outcome): work queued on a body stays counted even when its client has gone.
     */
    public void readBody(Function<byte[], Future<?>> onBody) {
      long declared = -1;
      String cl = request.getHeader("Content-Length");
      if (cl != null) {
        try {
          declared = Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
          declared = Long.MAX_VALUE;
        }
        if (declared < 0 || declared > limits.maxBodyBytes()) {
          refuse(Refusal.BODY_TOO_LARGE);
          return;
        }
        if (!budget.wouldFit(declared)) {
          refuse(Refusal.BODY_BUDGET);
          return;
        }
      }
      long cap = declared >= 0 ? declared : limits.maxBodyBytes();
      byte[][] buf = {new byte[0]};
      int[] size = {0};
      request.handler(chunk -> {
        if (refused || finished) {
          return;
        }
        int n = chunk.length();
        long grown = (long) size[0] + n;
        if (grown > cap) {
          refuse(Refusal.BODY_TOO_LARGE);
          return;
        }
        if (grown > buf[0].length) {
          long next = Math.min(cap, Math.max(grown, Math.max(1024L, buf[0].length * 2L)));
          long delta = next - buf[0].length;
          if (!budget.tryCharge(delta, next)) {
            refuse(Refusal.BODY_BUDGET);
            return;
          }
          charged += delta;
          buf[0] = Arrays.copyOf(buf[0], (int) next);
        }
        chunk.getBytes(0, n, buf[0], size[0]);
        size[0] = (int) grown;
      });
      request.endHandler(v -> {
        if (refused || finished) {
          return;
        }
        bodyComplete = true;
        byte[] body = size[0] == buf[0].length ? buf[0] : Arrays.copyOf(buf[0], size[0]);
        buf[0] = null;
        long held = charged;
        charged = 0; // from here the caller's future decides when the body is gone
        Future<?> done;
        try {
          done = onBody.apply(body);
        } catch (RuntimeException e) {
          budget.release(held);
          throw e;
        }
        done.onComplete(ar -> budget.release(held));
      });
    }

    /** Returns true once the exchange was refused or its response ended. */
    public boolean isOver() {
      return refused || finished;
    }

    private void deadline() {
      timer = -1;
      if (finished) {
        return;
      }
      refuse(bodyComplete ? Refusal.RESPONSE_DEADLINE : Refusal.BODY_DEADLINE);
    }

    private void refuse(Refusal why) {
      if (refused || finished) {
        return;
      }
      refused = true;
      listener.accept(why);
      releaseBody();
      HttpServerResponse resp = request.response();
      boolean http2 = request.version() == HttpVersion.HTTP_2;
      Future<Void> written = resp.ended() || resp.closed() ? Future.succeededFuture() : writer.write(request, why);
      written.onComplete(ar -> {
        if (http2) {
          // A size refusal lets the peer finish sending (the rest is read and dropped, never
          // buffered): clients such as the JDK's wait for their upload before reading the answer.
          // A late body is cut off: CANCEL stops the peer.
          if (why == Refusal.BODY_DEADLINE) {
            var unused = resp.reset(8);
          }
        } else {
          var unused = request.connection().close();
        }
      });
      if (!http2 && !resp.ended()) {
        var unused = request.connection().close();
      }
    }

    private void releaseBody() {
      if (charged > 0) {
        budget.release(charged);
        charged = 0;
      }
    }

    private void finish() {
      if (finished) {
        return;
      }
      finished = true;
      releaseBody();
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      if (conn != null && --conn.active == 0 && open.containsKey(conn.connection)) {
        conn.armHeaderTimer(false);
      }
    }
  }

}
