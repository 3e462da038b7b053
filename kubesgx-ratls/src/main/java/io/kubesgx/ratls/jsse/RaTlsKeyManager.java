package io.kubesgx.ratls.jsse;

import io.kubesgx.ratls.RaTlsCredential;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsIssuer;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A JSSE key manager that presents an RA-TLS certificate (from a {@link RaTlsIssuer}) for both the
 * client and the server role.
 *
 * <p>The first credential is issued when the key manager is built, so a platform that cannot quote
 * fails there with the issuer's {@link RaTlsException}. Later credentials are issued in the
 * background: once a credential is three quarters of {@code rotateAfter} old (default one hour),
 * the next key-manager call (a handshake) or the key manager's own timer hands a re-issue to the
 * executor; handshakes never wait for a quote. The previous credential keeps serving until its
 * successor exists. A failing re-issue is logged once (and its recovery once), retried at most every
 * {@code rotateAfter / 16} (between 1 s and 1 min), and the old credential keeps serving until it is
 * unusable: outside its certificate's validity, or older than {@code maxAge} (default 24 hours; a
 * quote states the platform's TCB at the time it was made). An unusable credential is not
 * presented, so the handshake fails rather than offering stale evidence.
 *
 * <p>Each credential has its own alias ({@code ra-tls-<generation>}), so a rotation between JSSE's
 * calls for an alias, its chain and its key never pairs a key with another credential's certificate.
 * Only the {@code EC} key type is offered (RA-TLS keys are ECDSA P-384 or P-256). The certificate
 * authorities a peer names are ignored: an RA-TLS certificate is self-signed and no certificate
 * authority vouches for it.
 *
 * <pre>{@code
 * try (RaTlsKeyManager keys = RaTlsKeyManager.builder().issuer(issuer).build()) {
 *   SSLContext ctx = RaTlsContexts.mutual(keys, verifier);
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class RaTlsKeyManager extends X509ExtendedKeyManager implements AutoCloseable {
  /** Default age after which a credential is replaced. */
  public static final Duration DEFAULT_ROTATE_AFTER = Duration.ofHours(1);
  /** Default age after which a credential is no longer presented, even when no successor could be issued. */
  public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
  /** The only key type offered: RA-TLS keys are elliptic-curve keys. */
  static final String KEY_TYPE = "EC";
  private static final String ALIAS_PREFIX = "ra-tls-";
  private static final Logger LOG = Logger.getLogger(RaTlsKeyManager.class.getName());

  /** One issued credential and when it was issued. */
  private record Held(long generation, RaTlsCredential credential, Instant issuedAt) {
    String alias() {
      return ALIAS_PREFIX + generation;
    }
  }

  private final RaTlsIssuer issuer;
  private final Clock clock;
  private final Duration rotateAfter;
  private final Duration maxAge;
  private final Duration retryDelay;
  private final Executor executor;
  private final ScheduledExecutorService owned;
  private final AtomicLong generations = new AtomicLong();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicBoolean unusableLogged = new AtomicBoolean();
  // current and previous are replaced together under this lock; readers take a snapshot.
  private final Object lock = new Object();
  private volatile Held current;
  private volatile Held previous;
  private volatile Instant retryNotBefore = Instant.MIN;

  private RaTlsKeyManager(Builder b) throws RaTlsException {
    this.issuer = b.issuer;
    this.clock = b.clock;
    this.rotateAfter = b.rotateAfter;
    this.maxAge = b.maxAge;
    this.retryDelay = clamp(rotateAfter.dividedBy(16), Duration.ofSeconds(1), Duration.ofMinutes(1));
    this.current = issueNow();
    if (b.executor != null) {
      this.executor = b.executor;
      this.owned = null;
    } else {
      ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "ra-tls-key-manager");
        t.setDaemon(true);
        return t;
      });
      s.setRemoveOnCancelPolicy(true);
      long tick = clamp(rotateAfter.dividedBy(8), Duration.ofSeconds(1), Duration.ofMinutes(1)).toMillis();
      s.scheduleWithFixedDelay(this::refreshIfDue, tick, tick, TimeUnit.MILLISECONDS);
      this.executor = s;
      this.owned = s;
    }
  }

  /** Returns a builder; {@link Builder#issuer} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a key manager over {@code issuer} with the defaults (rotation after one hour, the system
   * clock, its own daemon thread).
   *
   * @throws RaTlsException when the first credential cannot be issued (the issuer's step and reason)
   */
  public static RaTlsKeyManager create(RaTlsIssuer issuer) throws RaTlsException {
    return builder().issuer(issuer).build();
  }

  /** Returns the certificate presented now (the newest usable credential's). */
  public X509Certificate certificate() {
    return current.credential().certificate();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = chooseAlias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return chooseAlias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return chooseAlias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = chooseAlias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return chooseAlias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return chooseAlias(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Held h = byAlias(alias);
    return h == null ? null : new X509Certificate[] {h.credential().certificate()};
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Held h = byAlias(alias);
    return h == null ? null : h.credential().privateKey();
  }

  /** Stops the key manager's own timer thread, if it has one; presenting the current credential goes on. */
  @Override
  public void close() {
    if (owned != null) {
      owned.shutdownNow();
    }
  }

  private String chooseAlias(String... keyTypes) {
    if (keyTypes == null) {
      return null;
    }
    boolean ec = false;
    for (String k : keyTypes) {
      ec |= KEY_TYPE.equals(k);
    }
    if (!ec) {
      return null;
    }
    refreshIfDue();
    Held h = current;
    Instant now = clock.instant();
    if (!usable(h, now)) {
      if (unusableLogged.compareAndSet(false, true)) {
        LOG.warning("RA-TLS: the current credential is unusable (certificate outside its validity or older than "
            + maxAge + ") and no new one could be issued; handshakes fail until the issuer recovers");
      }
      return null;
    }
    return h.alias();
  }

  private Held byAlias(String alias) {
    Held c = current;
    if (c.alias().equals(alias)) {
      return c;
    }
    Held p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private boolean usable(Held h, Instant now) {
    X509Certificate cert = h.credential().certificate();
    return !now.isBefore(cert.getNotBefore().toInstant())
        && !now.isAfter(cert.getNotAfter().toInstant())
        && now.isBefore(h.issuedAt().plus(maxAge));
  }

  /** Hands a re-issue to the executor when the current credential is due and none is under way. */
  void refreshIfDue() {
    Instant now = clock.instant();
    Held h = current;
    Instant due = h.issuedAt().plus(rotateAfter.minus(rotateAfter.dividedBy(4)));
    if (now.isBefore(due) || now.isBefore(retryNotBefore) || !refreshing.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::reissue);
    } catch (RejectedExecutionException e) {
      refreshing.set(false);
    }
  }

  private void reissue() {
    try {
      Held next = issueNow();
      synchronized (lock) {
        previous = current;
        current = next;
      }
      unusableLogged.set(false);
      if (failing.getAndSet(false)) {
        LOG.info("RA-TLS: a new credential was issued again after failed attempts");
      }
    } catch (RaTlsException | RuntimeException e) {
      retryNotBefore = clock.instant().plus(retryDelay);
      if (failing.compareAndSet(false, true)) {
        LOG.log(Level.WARNING, "RA-TLS: re-issuing the credential failed; the current certificate keeps serving while usable,"
            + " retrying every " + retryDelay + ": " + e.getMessage());
      }
    } finally {
      refreshing.set(false);
    }
  }

  private Held issueNow() throws RaTlsException {
    Instant at = clock.instant();
    RaTlsCredential c = issuer.issue();
    return new Held(generations.incrementAndGet(), c, at);
  }

  private static Duration clamp(Duration d, Duration min, Duration max) {
    return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
  }

  /** Builder of {@link RaTlsKeyManager}. */
  public static final class Builder {
    private RaTlsIssuer issuer;
    private Clock clock = Clock.systemUTC();
    private Duration rotateAfter = DEFAULT_ROTATE_AFTER;
    private Duration maxAge = DEFAULT_MAX_AGE;
    private Executor executor;

    private Builder() {}

    /** Sets the issuer of the credentials (required). */
    public Builder issuer(RaTlsIssuer issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** Sets the clock that ages credentials (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Sets the age after which a credential is replaced (default one hour; re-issue starts at three quarters of it). */
    public Builder rotateAfter(Duration rotateAfter) {
      Objects.requireNonNull(rotateAfter, "rotateAfter");
      if (rotateAfter.compareTo(Duration.ofSeconds(4)) < 0) {
        throw new IllegalArgumentException("rotateAfter must be at least 4 seconds, got " + rotateAfter);
      }
      this.rotateAfter = rotateAfter;
      return this;
    }

    /** Sets the age after which a credential is withdrawn even without a successor (default 24 hours). */
    public Builder maxAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxAge must be positive, got " + maxAge);
      }
      this.maxAge = maxAge;
      return this;
    }

    /**
     * Sets the executor that runs re-issues. Without one the key manager starts its own daemon thread,
     * which also checks on a timer whether a re-issue is due; with one, re-issues are started by
     * handshakes only.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Issues the first credential and returns the key manager.
     *
     * @throws RaTlsException when the first credential cannot be issued
     * @throws IllegalStateException when no issuer was set, or {@code maxAge} is shorter than {@code rotateAfter}
     */
    public RaTlsKeyManager build() throws RaTlsException {
      if (issuer == null) {
        throw new IllegalStateException("an issuer is required");
      }
      if (maxAge.compareTo(rotateAfter) < 0) {
        throw new IllegalStateException("maxAge (" + maxAge + ") must not be shorter than rotateAfter (" + rotateAfter + ")");
      }
      return new RaTlsKeyManager(this);
    }
  }
}
