package io.kubesgx.quotehelper;

import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AesmFraming;
import io.kubesgx.aesm.internal.ChannelWatchdog;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An AESM-compatible UNIX-socket server: the quote helper's socket face.
 *
 * <p>It serves one request per connection, as Intel's {@code aesm_service} does (the client opens a
 * connection, writes one length-prefixed request, reads one answer; the server closes). One
 * selector thread accepts connections and reads their requests without blocking, so a connection
 * that sends nothing (or half a frame) holds no worker thread; only a complete request is handed to
 * the bounded worker pool. Bounds, each answered with {@code AESM_BUSY} and a close (counted as
 * rejected) instead of growing memory:
 *
 * <ul>
 *   <li>at most {@code maxConnections} open connections (reading, queued or being served);
 *   <li>at most {@code maxBufferedBytes} of request bodies held at once, reserved as bytes arrive;
 *   <li>at most {@code queue} complete requests waiting for one of {@code workers} threads.
 * </ul>
 *
 * <p>Deadlines are absolute and start at accept: the first byte must arrive within {@code
 * firstByteTimeout}, and reading the request, answering and writing must all end within {@code
 * timeout}. Malformed frames and unknown requests close only their own connection.
 *
 * <p>Socket file: the parent directory is created with mode 0755 when absent; the socket gets mode
 * 0666 so that containers of any UID can connect (Intel's aesmd {@code chmod}s its socket 0777; for a
 * socket only the write bit matters, so both allow every local user). A stale socket file (nobody
 * answers on it) is replaced; a live one makes {@link #start} fail. {@link #close} stops accepting,
 * closes connections still sending their request, lets running requests finish within the timeout
 * and removes the socket file.
 *
 * <pre>{@code
 * try (QuoteHelperServer s = QuoteHelperServer.newBuilder(Path.of("/var/run/aesmd/aesm.socket"), backend).build().start()) {
 *   s.awaitTermination();
 * }
 * }</pre>
 */
public final class QuoteHelperServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(QuoteHelperServer.class.getName());
  /** The answer to a connection rejected because a bound is reached. */
  private static final byte[] BUSY = Responses.error(RequestType.UNKNOWN, AesmErrorCode.BUSY).toByteArray();
  /** First allocation for a request body; grown (doubling) as bytes arrive, up to its declared length. */
  private static final int INITIAL_BODY = 16 * 1024;

  private final Path socket;
  private final RequestHandler handler;
  private final Metrics metrics;
  private final Duration timeout;
  private final Duration firstByteTimeout;
  private final int maxFrame;
  private final int maxConnections;
  private final long maxBufferedBytes;
  private final ThreadPoolExecutor workers;
  private final int backlog;
  private final AtomicInteger openConnections = new AtomicInteger();
  private final AtomicLong bufferedBytes = new AtomicLong();
  private ServerSocketChannel server;
  private Selector selector;
  private Thread acceptor;
  private volatile boolean closing;

  private QuoteHelperServer(Builder b) {
    this.socket = b.socket;
    this.timeout = b.timeout;
    this.firstByteTimeout = b.firstByteTimeout.compareTo(b.timeout) < 0 ? b.firstByteTimeout : b.timeout;
    this.handler = new RequestHandler(b.backend, b.timeout);
    this.metrics = b.metrics;
    this.maxFrame = b.maxFrame;
    this.maxConnections = b.maxConnections;
    this.maxBufferedBytes = b.maxBufferedBytes;
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
    Selector sel = null;
    try {
      s.bind(UnixDomainSocketAddress.of(socket), backlog);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
      sel = Selector.open();
      s.configureBlocking(false);
      s.register(sel, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      s.close();
      if (sel != null) {
        sel.close();
      }
      Files.deleteIfExists(socket);
      throw e;
    }
    server = s;
    selector = sel;
    acceptor = new Thread(this::selectLoop, "quote-helper-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    LOG.log(Level.INFO, "quote helper serving AESM on {0} (backend {1}, {2} workers, queue {3}, max {4} connections,"
        + " first byte within {5} ms, timeout {6} ms)", socket, handler.backend().name(), workers.getCorePoolSize(),
        workers.getQueue().remainingCapacity(), maxConnections, firstByteTimeout.toMillis(), timeout.toMillis());
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

  /** A connection still sending its request; owned by the selector thread. */
  private static final class Conn {
    final SocketChannel ch;
    final long firstByteDeadline;
    final long deadline;
    final ByteBuffer header = ByteBuffer.allocate(AesmFraming.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer body; // null until the length is known
    int length = -1;
    long reserved; // bytes of the buffered-bytes budget held by this connection

    Conn(SocketChannel ch, long acceptedAt, long firstByteNanos, long timeoutNanos) {
      this.ch = ch;
      this.firstByteDeadline = acceptedAt + firstByteNanos;
      this.deadline = acceptedAt + timeoutNanos;
    }

    boolean anyByte() {
      return header.position() > 0;
    }

    long nextDeadline() {
      return anyByte() ? deadline : Math.min(firstByteDeadline, deadline);
    }
  }

  private void selectLoop() {
    long nextScan = Long.MAX_VALUE;
    List<Conn> complete = new ArrayList<>();
    try {
      while (!closing) {
        long now = System.nanoTime();
        if (now - nextScan >= 0) {
          nextScan = expire(now);
        }
        long waitMs = nextScan == Long.MAX_VALUE ? 0 : Math.max(1, (nextScan - now + 999_999) / 1_000_000);
        selector.select(waitMs);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            long first = acceptAll();
            if (first != Long.MAX_VALUE && (nextScan == Long.MAX_VALUE || first - nextScan < 0)) {
              nextScan = first;
            }
          } else if (key.isReadable()) {
            Conn c = (Conn) key.attachment();
            if (readSome(key, c)) {
              key.cancel();
              complete.add(c);
            }
          }
        }
        if (!complete.isEmpty()) {
          selector.selectNow(); // deregisters the cancelled keys so the channels can block again
          for (Conn c : complete) {
            handOff(c);
          }
          complete.clear();
        }
      }
    } catch (ClosedSelectorException e) {
      // closing
    } catch (IOException | RuntimeException e) {
      if (!closing) {
        LOG.log(Level.ERROR, "the quote helper's accept loop failed; no more connections are accepted", e);
      }
    } finally {
      closeReading();
    }
  }

  /** Accepts every pending connection; returns the earliest new deadline or {@link Long#MAX_VALUE}. */
  private long acceptAll() {
    long earliest = Long.MAX_VALUE;
    while (true) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closing) {
          LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
          try {
            Thread.sleep(50); // e.g. out of file descriptors: the socket stays acceptable, do not spin
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        }
        return earliest;
      }
      if (ch == null) {
        return earliest;
      }
      long now = System.nanoTime();
      metrics.connectionStarted();
      if (openConnections.incrementAndGet() > maxConnections) {
        finished(null);
        metrics.rejected();
        reject(ch);
        continue;
      }
      Conn c = new Conn(ch, now, firstByteTimeout.toNanos(), timeout.toNanos());
      try {
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, c);
      } catch (IOException e) {
        closeQuietly(ch);
        finished(c);
        continue;
      }
      if (earliest == Long.MAX_VALUE || c.nextDeadline() - earliest < 0) {
        earliest = c.nextDeadline();
      }
    }
  }

  /** Closes connections whose deadline passed; returns the earliest remaining deadline. */
  private long expire(long now) {
    long next = Long.MAX_VALUE;
    for (SelectionKey key : selector.keys()) {
      if (!(key.attachment() instanceof Conn c) || !key.isValid()) {
        continue;
      }
      long d = c.nextDeadline();
      if (now - d >= 0) {
        key.cancel();
        LOG.log(Level.DEBUG, c.anyByte()
            ? "closing a connection that sent no complete request within its deadline"
            : "closing a connection that sent nothing within the first-byte deadline");
        metrics.request(RequestType.MALFORMED, "timeout", 0);
        closeQuietly(c.ch);
        finished(c);
      } else if (next == Long.MAX_VALUE || d - next < 0) {
        next = d;
      }
    }
    return next;
  }

  /**
   * Reads what has arrived on {@code c}; returns true when its request is complete. Closes the
   * connection (and returns false) on end of stream, a malformed length or an exhausted budget.
   */
  private boolean readSome(SelectionKey key, Conn c) {
    try {
      while (true) {
        if (c.header.hasRemaining()) {
          int n = c.ch.read(c.header);
          if (n < 0) {
            drop(key, c, c.anyByte() ? "truncated length" : null);
            return false;
          }
          if (n == 0 || c.header.hasRemaining()) {
            return false;
          }
          long length = Integer.toUnsignedLong(c.header.getInt(0));
          if (length > maxFrame) {
            drop(key, c, "frame length " + length + " exceeds the maximum of " + maxFrame + " bytes");
            return false;
          }
          c.length = (int) length;
          if (c.length == 0) {
            c.body = ByteBuffer.allocate(0);
            return true;
          }
          if (!grow(c, Math.min(c.length, INITIAL_BODY))) {
            busy(key, c);
            return false;
          }
        }
        if (!c.body.hasRemaining()) {
          if (c.body.position() == c.length) {
            return true;
          }
          if (!grow(c, (int) Math.min(c.length, 2L * c.body.capacity()))) {
            busy(key, c);
            return false;
          }
        }
        int n = c.ch.read(c.body);
        if (n < 0) {
          drop(key, c, "connection closed after " + c.body.position() + " of " + c.length + " frame bytes");
          return false;
        }
        if (c.body.position() == c.length) {
          return true;
        }
        if (n == 0) {
          return false;
        }
      }
    } catch (IOException e) {
      drop(key, c, null);
      return false;
    }
  }

  /** Grows {@code c}'s body buffer to {@code capacity}, reserving the difference from the budget. */
  private boolean grow(Conn c, int capacity) {
    int old = c.body == null ? 0 : c.body.capacity();
    long more = capacity - old;
    long cur;
    do {
      cur = bufferedBytes.get();
      if (cur + more > maxBufferedBytes) {
        return false;
      }
    } while (!bufferedBytes.compareAndSet(cur, cur + more));
    c.reserved += more;
    ByteBuffer b = ByteBuffer.allocate(capacity);
    if (c.body != null) {
      c.body.flip();
      b.put(c.body);
    }
    c.body = b;
    return true;
  }

  private void drop(SelectionKey key, Conn c, String malformed) {
    key.cancel();
    if (malformed != null) {
      LOG.log(Level.DEBUG, "closing a connection with a malformed frame: {0}", malformed);
      metrics.request(RequestType.MALFORMED, "closed", 0);
    }
    closeQuietly(c.ch);
    finished(c);
  }

  private void busy(SelectionKey key, Conn c) {
    key.cancel();
    LOG.log(Level.DEBUG, "request buffer budget of {0} bytes spent; answering AESM_BUSY", maxBufferedBytes);
    metrics.rejected();
    reject(c.ch);
    finished(c);
  }

  /** Gives a complete request to a worker, or answers BUSY when the queue is full. */
  private void handOff(Conn c) {
    byte[] body = c.body.array(); // capacity == length once complete
    try {
      c.ch.configureBlocking(true);
      workers.execute(() -> serve(c, body));
    } catch (RejectedExecutionException e) {
      metrics.rejected();
      reject(c.ch);
      finished(c);
    } catch (IOException | RuntimeException e) {
      closeQuietly(c.ch);
      finished(c);
    }
  }

  /** Releases a connection's share of the bounds ({@code c} null: a connection never read from). */
  private void finished(Conn c) {
    if (c != null && c.reserved > 0) {
      bufferedBytes.addAndGet(-c.reserved);
      c.reserved = 0;
    }
    openConnections.decrementAndGet();
    metrics.connectionFinished();
  }

  /** Closes every connection still sending its request (on shutdown). */
  private void closeReading() {
    try {
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Conn c) {
          key.cancel();
          closeQuietly(c.ch);
          finished(c);
        }
      }
      selector.close();
    } catch (ClosedSelectorException | IOException e) {
      // already closed
    }
  }

  private void serve(Conn c, byte[] body) {
    SocketChannel ch = c.ch;
    long start = System.nanoTime();
    long remaining = c.deadline - start;
    RequestType type = RequestType.MALFORMED;
    String result = "closed";
    if (remaining <= 0) {
      metrics.request(type, "timeout", 0);
      closeQuietly(ch);
      finished(c);
      return;
    }
    try (ChannelWatchdog.Deadline d = ChannelWatchdog.arm(ch, Duration.ofNanos(remaining))) {
      RequestHandler.Outcome out = handler.handle(body, Duration.ofNanos(remaining));
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
      metrics.request(type, "internal_error", System.nanoTime() - start);
    } finally {
      closeQuietly(ch);
      finished(c);
    }
  }

  /**
   * Answers a connection a bound has no room for with {@code AESM_BUSY} (18) in an
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
      ByteBuffer sink = ByteBuffer.allocate(4096);
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

  /**
   * Stops accepting, closes connections still sending their request, lets running requests finish
   * (up to the timeout) and removes the socket file.
   */
  @Override
  public synchronized void close() {
    if (closing) {
      return;
    }
    closing = true;
    if (selector != null) {
      selector.wakeup();
    }
    try {
      if (acceptor != null) {
        acceptor.join(2000); // the selector thread closes the connections it reads from
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
    private Duration firstByteTimeout = Duration.ofSeconds(2);
    private int maxConnections = 512;
    private long maxBufferedBytes = 32L << 20;
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

    /**
     * Sets how many connections may be open at once: sending their request, waiting for a worker or
     * being served (default 512); more are answered {@code AESM_BUSY} and closed at once.
     */
    public Builder maxConnections(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxConnections must be at least 1");
      }
      this.maxConnections = n;
      return this;
    }

    /**
     * Sets how many bytes of request bodies may be held at once over all connections (default 32
     * MiB); a connection whose body would exceed it is answered {@code AESM_BUSY} and closed.
     */
    public Builder maxBufferedBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBufferedBytes must be positive");
      }
      this.maxBufferedBytes = bytes;
      return this;
    }

    /**
     * Sets how soon after accept the first byte of the request must arrive (default 2 s; capped at
     * the timeout); a connection that sends nothing is closed then.
     */
    public Builder firstByteTimeout(Duration t) {
      if (t.isNegative() || t.isZero()) {
        throw new IllegalArgumentException("firstByteTimeout must be positive");
      }
      this.firstByteTimeout = t;
      return this;
    }

    /** Sets how many complete requests may wait for a worker (default 256). */
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

    /** Sets the deadline of one connection from accept: read the request, answer, write (default 15 s). */
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
