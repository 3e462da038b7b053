package io.kubesgx.quotehelper;

import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.aesm.internal.ChannelWatchdog;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An AESM-compatible UNIX-socket server: the quote helper's socket face.
 *
 * <p>It serves one request per connection, as Intel's {@code aesm_service} does (the client opens a
 * connection, writes one length-prefixed request, reads one answer; the server closes). An accept
 * thread hands each connection to a bounded worker pool with a bounded queue; when the queue is full
 * the connection is answered {@code AESM_BUSY} at once and closed (counted as rejected) instead of
 * growing memory. Every connection
 * has one deadline ({@code timeout}) for reading the request, answering and writing, so slow or
 * silent clients cannot hold a worker. Malformed frames and unknown requests close only their own
 * connection.
 *
 * <p>Socket file: the parent directory is created with mode 0755 when absent; the socket gets mode
 * 0666 so that containers of any UID can connect (Intel's aesmd {@code chmod}s its socket 0777; for a
 * socket only the write bit matters, so both allow every local user). A stale socket file (nobody
 * answers on it) is replaced; a live one makes {@link #start} fail. {@link #close} stops accepting,
 * lets running requests finish within the timeout and removes the socket file.
 *
 * <pre>{@code
 * try (QuoteHelperServer s = QuoteHelperServer.newBuilder(Path.of("/var/run/aesmd/aesm.socket"), backend).build().start()) {
 *   s.awaitTermination();
 * }
 * }</pre>
 */
public final class QuoteHelperServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(QuoteHelperServer.class.getName());
  /** The answer to a connection rejected because the queue is full. */
  private static final byte[] BUSY = Responses.error(RequestType.UNKNOWN, AesmErrorCode.BUSY).toByteArray();

  private final Path socket;
  private final RequestHandler handler;
  private final Metrics metrics;
  private final Duration timeout;
  private final int maxFrame;
  private final ThreadPoolExecutor workers;
  private final int backlog;
  private ServerSocketChannel server;
  private Thread acceptor;
  private volatile boolean closing;

  private QuoteHelperServer(Builder b) {
    this.socket = b.socket;
    this.timeout = b.timeout;
    this.handler = new RequestHandler(b.backend, b.timeout);
    this.metrics = b.metrics;
    this.maxFrame = b.maxFrame;
    this.backlog = b.backlog;
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(b.workers, b.workers, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(b.queue), r -> {
      Thread t = new Thread(r, "quote-helper-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.AbortPolicy());
  }

  /** Returns a builder for a server on {@code socket} answering with {@code backend}. */
  public static Builder newBuilder(Path socket, Backend backend) {
    return new Builder(socket, backend);
  }

  /** Returns the socket path. */
  public Path socket() {
    return socket;
  }

  /** Returns the metrics. */
  public Metrics metrics() {
    return metrics;
  }

  /** Returns the backend. */
  public Backend backend() {
    return handler.backend();
  }

  /** Returns true while the server accepts connections. */
  public boolean isServing() {
    return server != null && server.isOpen() && !closing;
  }

  /**
   * Prepares the directory, replaces a stale socket, binds and starts accepting.
   *
   * @throws IOException when another server answers on the socket, the path is not a socket, or
   *     binding fails
   */
  public synchronized QuoteHelperServer start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    prepareDirectory(socket.toAbsolutePath().getParent());
    removeStaleSocket(socket);
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      s.bind(UnixDomainSocketAddress.of(socket), backlog);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    } catch (IOException e) {
      s.close();
      throw e;
    }
    server = s;
    acceptor = new Thread(this::acceptLoop, "quote-helper-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    LOG.log(Level.INFO, "quote helper serving AESM on {0} (backend {1}, {2} workers, queue {3}, timeout {4} ms)",
        socket, handler.backend().name(), workers.getCorePoolSize(), workers.getQueue().remainingCapacity(),
        timeout.toMillis());
    return this;
  }

  private static void prepareDirectory(Path dir) throws IOException {
    if (dir == null || Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
      return;
    }
    // createDirectories applies the umask; set the mode explicitly on the leaf we made.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void removeStaleSocket(Path socket) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS)
        || Files.isSymbolicLink(socket)) {
      throw new IOException(socket + " exists and is not a socket; refusing to replace it");
    }
    boolean live;
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      live = true;
    } catch (IOException e) {
      live = false; // nobody answers: a stale socket left by a crashed process
    }
    if (live) {
      throw new IOException("another server is answering on " + socket + "; refusing to start a second one");
    }
    LOG.log(Level.INFO, "replacing stale socket file {0}", socket);
    Files.deleteIfExists(socket);
  }

  private void acceptLoop() {
    while (!closing) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closing) {
          return;
        }
        LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
        try {
          Thread.sleep(50); // e.g. out of file descriptors: do not spin
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        continue;
      }
      metrics.connectionStarted();
      try {
        workers.execute(() -> serve(ch));
      } catch (RejectedExecutionException e) {
        metrics.connectionFinished();
        metrics.rejected();
        reject(ch);
      }
    }
  }

  private void serve(SocketChannel ch) {
    long start = 0;
    RequestType type = RequestType.MALFORMED;
    String result = "closed";
    try (ChannelWatchdog.Deadline d = ChannelWatchdog.arm(ch, timeout)) {
      byte[] body;
      try {
        body = AesmFraming.read(ch, maxFrame);
      } catch (AesmFraming.FrameException e) {
        if (e.reason() != AesmFraming.FrameException.Reason.CLOSED) {
          LOG.log(Level.DEBUG, "closing a connection with a malformed frame: {0}", e.getMessage());
          metrics.request(RequestType.MALFORMED, d.fired() ? "timeout" : "closed", 0);
        }
        return;
      } catch (IOException e) {
        if (d.fired()) {
          metrics.request(RequestType.MALFORMED, "timeout", 0);
          LOG.log(Level.DEBUG, "closing a connection that sent no complete request within {0} ms", timeout.toMillis());
        }
        return;
      }
      start = System.nanoTime();
      RequestHandler.Outcome out = handler.handle(body);
      type = out.type();
      result = out.result();
      Optional<Response> res = out.response();
      if (res.isPresent()) {
        try {
          AesmFraming.write(ch, res.get().toByteArray());
        } catch (IOException e) {
          result = d.fired() ? "timeout" : "write_failed";
        }
      }
      metrics.request(type, result, System.nanoTime() - start);
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "unexpected failure serving a connection", e);
      metrics.request(type, "internal_error", start == 0 ? 0 : System.nanoTime() - start);
    } finally {
      closeQuietly(ch);
      metrics.connectionFinished();
    }
  }

  /**
   * Answers a connection the queue has no room for with {@code AESM_BUSY} (18) in an
   * {@code unsupportedRequestResponse}, without reading its request, and closes it. kubesgx clients
   * read it as "busy, retry"; Intel's clients find no response of their request's type and fail the
   * call as they would on a closed connection. The answer is 8 bytes, so the write never blocks.
   */
  private static void reject(SocketChannel ch) {
    try {
      AesmFraming.write(ch, BUSY);
      ch.shutdownOutput();
      // Discard whatever part of the request has arrived, without blocking: closing a UNIX socket
      // with unread data resets the peer, which could drop the answer before the client reads it.
      ch.configureBlocking(false);
      java.nio.ByteBuffer sink = java.nio.ByteBuffer.allocate(4096);
      for (int i = 0; i < 16 && ch.read(sink) > 0; i++) {
        sink.clear();
      }
    } catch (IOException e) {
      // the client went away; nothing to do
    }
    closeQuietly(ch);
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** Blocks until the server is closed. */
  public void awaitTermination() throws InterruptedException {
    Thread a = acceptor;
    if (a != null) {
      a.join();
    }
    workers.awaitTermination(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
  }

  /** Stops accepting, lets running requests finish (up to the timeout) and removes the socket file. */
  @Override
  public synchronized void close() {
    if (closing) {
      return;
    }
    closing = true;
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "closing the server socket failed: {0}", e.getMessage());
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
      if (acceptor != null) {
        acceptor.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    }
    if (server != null) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "removing {0} failed: {1}", socket, e.getMessage());
      }
    }
    handler.backend().close();
    LOG.log(Level.INFO, "quote helper on {0} stopped", socket);
  }

  /** Builds a {@link QuoteHelperServer}. */
  public static final class Builder {
    private final Path socket;
    private final Backend backend;
    private int workers = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);
    private int queue = 256;
    private int backlog = 128;
    private Duration timeout = Duration.ofSeconds(15);
    private int maxFrame = AesmFraming.DEFAULT_MAX_FRAME;
    private Metrics metrics = new Metrics();

    private Builder(Path socket, Backend backend) {
      this.socket = Objects.requireNonNull(socket);
      this.backend = Objects.requireNonNull(backend);
    }

    /** Sets the number of worker threads (default: 2 × CPUs, at least 2). */
    public Builder workers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("workers must be at least 1");
      }
      this.workers = n;
      return this;
    }

    /** Sets how many accepted connections may wait for a worker (default 256). */
    public Builder queue(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("queue must be at least 1");
      }
      this.queue = n;
      return this;
    }

    /** Sets the listen backlog of the socket (default 128). */
    public Builder backlog(int n) {
      this.backlog = Math.max(1, n);
      return this;
    }

    /** Sets the deadline of one connection: read the request, answer, write (default 15 s). */
    public Builder timeout(Duration t) {
      if (t.isNegative() || t.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = t;
      return this;
    }

    /** Sets the largest request frame accepted (default 1 MiB). */
    public Builder maxFrame(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxFrame must be positive");
      }
      this.maxFrame = bytes;
      return this;
    }

    /** Uses {@code m} for the metrics (to share them with a metrics endpoint). */
    public Builder metrics(Metrics m) {
      this.metrics = Objects.requireNonNull(m);
      return this;
    }

    public QuoteHelperServer build() {
      return new QuoteHelperServer(this);
    }
  }
}
