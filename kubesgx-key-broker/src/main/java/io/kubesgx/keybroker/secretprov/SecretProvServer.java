package io.kubesgx.keybroker.secretprov;

import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The secret-provisioning listener: Gramine's {@code secret_prov} protocol over mutual TLS. The
 * server presents the broker's ordinary TLS certificate and requires a client certificate, accepted
 * only when it verifies as RA-TLS (during the handshake, as Gramine's server does). Then it reads
 * exactly the 35-byte request, lets the {@link SecretProvisioner} choose the secret, writes the
 * 37-byte response header, the 4-byte big-endian size and the secret, and closes (close_notify).
 * When nothing is to be sent it closes without writing a byte.
 *
 * <p>Bounds: connections beyond the cap, over the per-address rate limit or beyond the worker queue
 * are closed at accept; each connection has one absolute deadline from accept (queue wait, handshake,
 * verification, request and answer), after which its socket is closed.
 *
 * <pre>{@code
 * try (SecretProvServer s = SecretProvServer.start(options, certPem, keyPem, raTlsVerifier, provisioner, addr -> true, label -> {})) {
 *   System.out.println(s.port());
 * }
 * }</pre>
 */
public final class SecretProvServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SecretProvServer.class.getName());
  private static final long CLOSE_GRACE_MILLIS = 2_000;

  /** Decides whether a remote address may open a connection now (the broker's per-address token bucket). */
  @FunctionalInterface
  public interface AddressLimiter {
    /** Returns true and takes a token when {@code address} may connect now. */
    boolean tryAcquire(String address);
  }

  private final SecretProvOptions options;
  private final ServerSocket server;
  private final SSLSocketFactory factory;
  private final String[] protocols;
  private final RaTlsClientTrust trust;
  private final RaTlsVerifier verifier;
  private final SecretProvisioner provisioner;
  private final AddressLimiter limiter;
  private final Consumer<String> refused;
  private final Semaphore slots;
  private final ThreadPoolExecutor workers;
  private final ScheduledThreadPoolExecutor deadlines;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  private SecretProvServer(SecretProvOptions options, ServerSocket server, SSLContext ctx, RaTlsClientTrust trust,
      RaTlsVerifier verifier, SecretProvisioner provisioner, AddressLimiter limiter, Consumer<String> refused) {
    this.options = options;
    this.server = server;
    this.factory = ctx.getSocketFactory();
    List<String> supported = Arrays.asList(ctx.getSupportedSSLParameters().getProtocols());
    this.protocols = List.of("TLSv1.3", "TLSv1.2").stream().filter(supported::contains).toArray(String[]::new);
    this.trust = trust;
    this.verifier = verifier;
    this.provisioner = provisioner;
    this.limiter = limiter;
    this.refused = refused;
    this.slots = new Semaphore(options.maxConnections());
    AtomicInteger n = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(options.workers(), options.workers(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(options.queue()), r -> daemon(r, "secret-prov-worker-" + n.incrementAndGet()),
        new ThreadPoolExecutor.AbortPolicy());
    this.deadlines = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "secret-prov-deadlines"));
    this.deadlines.setRemoveOnCancelPolicy(true);
    this.acceptor = daemon(this::acceptLoop, "secret-prov-acceptor");
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Starts the listener.
   *
   * @param tlsCert the broker's PEM certificate chain ({@code --tls-cert})
   * @param tlsKey its PEM private key ({@code --tls-key})
   * @param verifier verifies the clients' RA-TLS certificates (trust anchors, collateral, TCB and debug allowances)
   * @param limiter the per-address rate limit applied at accept
   * @param refused told a short label for every connection closed without being served (for metrics)
   * @throws SecretProvException {@code BAD_CONFIGURATION} when the TLS files are unusable or the port cannot be bound
   */
  public static SecretProvServer start(SecretProvOptions options, java.nio.file.Path tlsCert, java.nio.file.Path tlsKey,
      RaTlsVerifier verifier, SecretProvisioner provisioner, AddressLimiter limiter, Consumer<String> refused)
      throws SecretProvException {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(verifier, "verifier");
    Objects.requireNonNull(provisioner, "provisioner");
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(refused, "refused");
    RaTlsClientTrust trust = new RaTlsClientTrust(verifier);
    SSLContext ctx;
    try {
      ctx = SSLContext.getInstance("TLS");
      ctx.init(ServerCredentials.keyManagers(tlsCert, tlsKey), new TrustManager[] {trust}, null);
    } catch (GeneralSecurityException e) {
      throw new SecretProvException(SecretProvException.Reason.BAD_CONFIGURATION, "TLS is not available in this JVM: " + e.getMessage(), e);
    }
    ServerSocket ss;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
    } catch (IOException e) {
      throw new SecretProvException(SecretProvException.Reason.BAD_CONFIGURATION, "cannot open a socket: " + e.getMessage(), e);
    }
    try {
      ss.bind(new InetSocketAddress(options.host(), options.port()), 128);
    } catch (IOException | IllegalArgumentException e) {
      closeQuietly(ss);
      throw new SecretProvException(SecretProvException.Reason.BAD_CONFIGURATION, "cannot listen on " + options.host() + ":"
          + options.port() + " for secret provisioning (" + e.getMessage() + "); choose another --secret-prov-port or --secret-prov-bind", e);
    }
    SecretProvServer s = new SecretProvServer(options, ss, ctx, trust, verifier, provisioner, limiter, refused);
    s.acceptor.start();
    return s;
  }

  /** Returns the bound port. */
  public int port() {
    return server.getLocalPort();
  }

  /** Returns the number of connections open now. */
  public int openConnections() {
    return open.size();
  }

  /** Returns the number of connections waiting for a worker. */
  public int queued() {
    return workers.getQueue().size();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket plain;
      try {
        plain = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        LOG.warning("secret provisioning: accept failed: " + e.getMessage());
        try {
          Thread.sleep(10); // e.g. out of file descriptors: do not spin
        } catch (InterruptedException ie) {
          return;
        }
        continue;
      }
      admit(plain);
    }
  }

  private void admit(Socket plain) {
    long accepted = System.nanoTime();
    String addr = plain.getInetAddress().getHostAddress();
    if (!limiter.tryAcquire(addr)) {
      refused.accept("secret-prov-rate-limited");
      closeQuietly(plain);
      return;
    }
    if (!slots.tryAcquire()) {
      refused.accept("secret-prov-connection-limit");
      closeQuietly(plain);
      return;
    }
    open.add(plain);
    ScheduledFuture<?> killer;
    try {
      killer = deadlines.schedule(() -> closeQuietly(plain), options.deadline().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) { // closing
      release(plain);
      return;
    }
    try {
      workers.execute(() -> {
        try {
          serve(plain, addr, accepted);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "secret provisioning: internal error serving " + addr, e);
        } finally {
          killer.cancel(false);
          release(plain);
        }
      });
    } catch (RejectedExecutionException e) {
      refused.accept("secret-prov-queue-full");
      killer.cancel(false);
      release(plain);
    }
  }

  private void release(Socket plain) {
    closeQuietly(plain);
    if (open.remove(plain)) {
      slots.release();
    }
  }

  private boolean expired(long accepted) {
    return System.nanoTime() - accepted >= options.deadline().toNanos();
  }

  /** Serves one connection; every outcome after a client certificate was seen is audited. */
  private void serve(Socket plain, String addr, long accepted) {
    long left = options.deadline().toNanos() - (System.nanoTime() - accepted);
    if (left <= 0 || closed) {
      refused.accept("secret-prov-deadline");
      return;
    }
    SSLSocket s = null;
    boolean handshaken = false;
    Optional<String> identity = Optional.empty();
    try {
      plain.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      s = (SSLSocket) factory.createSocket(plain, addr, plain.getPort(), true);
      s.setUseClientMode(false);
      s.setNeedClientAuth(true);
      s.setEnabledProtocols(protocols);
      try {
        s.startHandshake();
      } catch (IOException e) {
        Object r = trust.take(s);
        if (r instanceof RaTlsClientTrust.Refused x) {
          provisioner.refused(addr, Optional.empty(), rejected(x.why(), x.claimed()));
        } else if (r instanceof VerifiedRaTls v) {
          provisioner.refused(addr, Optional.of(provisioner.identity(addr, v.quote(), v.extension().name())), lost(accepted,
              "the TLS handshake did not complete after the RA-TLS certificate verified"));
        } else {
          refused.accept(expired(accepted) ? "secret-prov-deadline" : "secret-prov-handshake"); // no certificate was seen
        }
        return;
      }
      handshaken = true;
      VerifiedRaTls v = verified(s);
      identity = Optional.of(provisioner.identity(addr, v.quote(), v.extension().name()));
      byte[] request;
      try {
        // spec: the server reads exactly sizeof(SECRET_PROVISION_REQUEST) bytes, NUL included, and compares all of them.
        request = s.getInputStream().readNBytes(SecretProvWire.REQUEST_SIZE);
      } catch (IOException e) {
        throw lost(accepted, "the request was not received");
      }
      if (request.length < SecretProvWire.REQUEST_SIZE) {
        throw new SecretProvException(SecretProvException.Reason.BAD_REQUEST, "the client ended the connection after "
            + request.length + " of the " + SecretProvWire.REQUEST_SIZE + " request bytes");
      }
      if (!SecretProvWire.isRequest(request)) {
        throw new SecretProvException(SecretProvException.Reason.BAD_REQUEST, "the " + SecretProvWire.REQUEST_SIZE
            + " bytes received are not SECRET_PROVISION_RA_TLS_REQUEST_V1 followed by a NUL");
      }
      byte[] secret = provisioner.release(addr, v.quote(), v.extension().name()); // audited there, sent or refused
      byte[] out = null;
      try {
        byte[] header = SecretProvWire.responseHeader(secret.length);
        out = Arrays.copyOf(header, header.length + secret.length);
        System.arraycopy(secret, 0, out, header.length, secret.length);
        OutputStream os = s.getOutputStream();
        os.write(out);
        os.flush();
      } catch (IOException e) {
        provisioner.refused(addr, identity, lost(accepted, "the connection failed while the secret was sent (the release is audited)"));
      } finally {
        Arrays.fill(secret, (byte) 0);
        if (out != null) {
          Arrays.fill(out, (byte) 0);
        }
      }
    } catch (SecretProvException e) {
      if (e.reason() == SecretProvException.Reason.BAD_REQUEST || e.reason() == SecretProvException.Reason.DEADLINE
          || e.reason() == SecretProvException.Reason.CONNECTION_LOST || e.reason() == SecretProvException.Reason.RA_TLS_REJECTED) {
        provisioner.refused(addr, identity, e);
      } // the others were audited by the provisioner
    } catch (IOException e) {
      refused.accept("secret-prov-io"); // socket set-up failed before any certificate was seen
    } finally {
      if (s != null) {
        trust.take(s);
        if (handshaken) {
          s.getSession().invalidate(); // not offered for resumption (a resumed session is verified again anyway)
        }
        closeQuietly(s); // close_notify, then the TCP connection
      }
    }
  }

  /** Returns the result the trust manager kept, or verifies the session's peer certificate (a resumed session). */
  private VerifiedRaTls verified(SSLSocket s) throws SecretProvException {
    Object r = trust.take(s);
    if (r instanceof VerifiedRaTls v) {
      return v;
    }
    try {
      Certificate[] peer = s.getSession().getPeerCertificates();
      return verifier.verify((X509Certificate) peer[0]);
    } catch (RaTlsException e) {
      throw rejected(e, "");
    } catch (IOException | ClassCastException | ArrayIndexOutOfBoundsException e) {
      throw new SecretProvException(SecretProvException.Reason.RA_TLS_REJECTED, "no verified client certificate in the session");
    }
  }

  private static SecretProvException rejected(RaTlsException e, String claimed) {
    return new SecretProvException(SecretProvException.Reason.RA_TLS_REJECTED, (claimed.isEmpty() ? "" : claimed + "; ")
        + "RA-TLS step " + e.step() + " (Gramine AT_" + e.step().gramineCode() + "), " + e.reason()
        + e.quoteReason().map(q -> " (" + q + ")").orElse("") + ": " + e.getMessage());
  }

  private SecretProvException lost(long accepted, String what) {
    return expired(accepted)
        ? new SecretProvException(SecretProvException.Reason.DEADLINE, what + " within the " + options.deadline().toMillis()
            + " ms deadline; the connection was closed")
        : new SecretProvException(SecretProvException.Reason.CONNECTION_LOST, what + ": the connection failed or was closed");
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Stops accepting, lets connections being served finish for a short grace, then closes the rest. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    try {
      acceptor.join(CLOSE_GRACE_MILLIS);
      workers.shutdown();
      if (!workers.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
        for (Socket p : open) {
          closeQuietly(p);
        }
        workers.shutdownNow();
        workers.awaitTermination(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (Socket p : open) {
        closeQuietly(p);
      }
      deadlines.shutdownNow();
    }
  }
}
