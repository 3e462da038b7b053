package io.kubesgx.keybroker.kbs;

import io.kubesgx.keybroker.policy.VerifiedClaims;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * KBS sessions, bounded in number and in time: at most {@code capacity} live sessions (then {@link
 * #open} refuses until some expire or finish), each expiring {@code lifetime} after {@code auth}
 * whatever happens (an absolute deadline; attesting does not extend it). A session's nonce is used
 * once: the first attest consumes it, and a failed attest ends the session.
 */
public final class KbsSessions {
  /** Trustee's default session lifetime. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
  /** Default cap on live sessions (each holds at most a few KiB). */
  public static final int DEFAULT_CAPACITY = 10_000;

  /**
   * One session.
   *
   * @param id the cookie value (32 lowercase hex)
   * @param tenant the tenant it was opened for
   * @param nonce the challenge (base64 of 32 random bytes)
   * @param expires absolute expiry
   * @param attested the attestation result, once attested
   */
  public record Session(String id, String tenant, String nonce, Instant expires, Optional<Attested> attested) {}

  /**
   * What a successful attest leaves in the session.
   *
   * @param token the token returned to the client
   * @param teePubKey the enclave's key resources are encrypted to
   * @param claims the verified quote's claims the release policies are evaluated against
   */
  public record Attested(String token, TeePubKey teePubKey, VerifiedClaims claims) {}

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, String> byTokenHash = new ConcurrentHashMap<>();
  private final int capacity;
  private final Duration lifetime;
  private final Clock clock;
  private final SecureRandom random;
  private final AtomicLong lastSweep = new AtomicLong();

  /** Creates an empty session table. */
  public KbsSessions(int capacity, Duration lifetime, Clock clock, SecureRandom random) {
    if (capacity < 1 || lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("capacity and lifetime must be positive");
    }
    this.capacity = capacity;
    this.lifetime = lifetime;
    this.clock = clock;
    this.random = random;
  }

  /** Returns the session lifetime. */
  public Duration lifetime() {
    return lifetime;
  }

  /** Returns the number of sessions held (live or not yet swept). */
  public int size() {
    return sessions.size();
  }

  /** Opens a session with a fresh nonce, or returns empty when {@code capacity} live sessions exist. */
  public Optional<Session> open(String tenant) {
    if (sessions.size() >= capacity) {
      sweep(true);
      if (sessions.size() >= capacity) {
        return Optional.empty();
      }
    } else {
      sweep(false);
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    Session s = new Session(HexFormat.of().formatHex(id), tenant, Base64.getEncoder().encodeToString(nonce),
        clock.instant().plus(lifetime), Optional.empty());
    sessions.put(s.id(), s);
    return Optional.of(s);
  }

  /** Returns the live session with this id, removing it when it has expired. */
  public Optional<Session> get(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(s.expires())) {
      remove(s);
      return Optional.empty();
    }
    return Optional.of(s);
  }

  /** Returns the live attested session that was given {@code token}. */
  public Optional<Session> byToken(String token) {
    String id = byTokenHash.get(hash(token));
    return get(id).filter(s -> s.attested().isPresent() && MessageDigest.isEqual(
        s.attested().get().token().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        token.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
  }

  /**
   * Marks {@code s} attested (consuming its nonce); returns false when the session changed or ended
   * meanwhile (a concurrent attest on the same session won).
   */
  public boolean attest(Session s, Attested a) {
    Session next = new Session(s.id(), s.tenant(), s.nonce(), s.expires(), Optional.of(a));
    if (!sessions.replace(s.id(), s, next)) {
      return false;
    }
    byTokenHash.put(hash(a.token()), s.id());
    return true;
  }

  /**
   * Ends a session (its nonce can never be used again) if it is still in the state {@code s}: a
   * failed attest racing a successful one on the same session does not end the attested session.
   */
  public void remove(Session s) {
    if (sessions.remove(s.id(), s)) {
      s.attested().ifPresent(a -> byTokenHash.remove(hash(a.token())));
    }
  }

  /** Drops expired sessions at most every 100 ms when full ({@code force}), else at most once a second. */
  private void sweep(boolean force) {
    long now = clock.millis();
    long last = lastSweep.get();
    if (now - last < (force ? 100 : 1000) || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    Instant t = clock.instant();
    for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
      Session s = it.next();
      if (!t.isBefore(s.expires())) {
        it.remove();
        s.attested().ifPresent(a -> byTokenHash.remove(hash(a.token())));
      }
    }
  }

  private static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
