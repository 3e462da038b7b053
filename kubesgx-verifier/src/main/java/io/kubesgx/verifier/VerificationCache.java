package io.kubesgx.verifier;

import io.kubesgx.common.Bytes;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A bounded, thread-safe cache of facts that depend only on exact bytes: "this signature by this key
 * over these bytes verified" and parsed certificates and CRLs keyed by their DER encoding.
 *
 * <p>Soundness: nothing time-dependent is cached. Every validity window (certificates, CRLs, TCB
 * info, QE identity) and every revocation lookup is re-evaluated on each verification, so a cached
 * entry can never extend the life of an expired or revoked item; a changed byte changes the key.
 */
public final class VerificationCache {
  private static final VerificationCache NONE = new VerificationCache(0);

  private final int maxEntries;
  private final ConcurrentHashMap<Bytes, Boolean> verified = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Bytes, X509Certificate> certs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Bytes, X509CRL> crls = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Bytes, Object> parsed = new ConcurrentHashMap<>();

  private VerificationCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  /** Returns a cache holding at most {@code maxEntries} entries per kind. */
  public static VerificationCache bounded(int maxEntries) {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("maxEntries must be positive");
    }
    return new VerificationCache(maxEntries);
  }

  /** Returns a cache that remembers nothing (every verification is cold). */
  public static VerificationCache none() {
    return NONE;
  }

  boolean enabled() {
    return maxEntries > 0;
  }

  boolean isVerified(Bytes key) {
    return enabled() && verified.containsKey(key);
  }

  void markVerified(Bytes key) {
    if (enabled()) {
      trim(verified);
      verified.put(key, Boolean.TRUE);
    }
  }

  <E extends Exception> X509Certificate certificate(Bytes der, ThrowingParser<X509Certificate, E> parser) throws E {
    if (!enabled()) {
      return parser.parse(der);
    }
    X509Certificate c = certs.get(der);
    if (c == null) {
      c = parser.parse(der);
      trim(certs);
      certs.put(der, c);
    }
    return c;
  }

  <E extends Exception> X509CRL crl(Bytes der, ThrowingParser<X509CRL, E> parser) throws E {
    if (!enabled()) {
      return parser.parse(der);
    }
    X509CRL c = crls.get(der);
    if (c == null) {
      c = parser.parse(der);
      trim(crls);
      crls.put(der, c);
    }
    return c;
  }

  @SuppressWarnings("unchecked")
  <T, E extends Exception> T parsed(Bytes key, ThrowingParser<T, E> parser) throws E {
    if (!enabled()) {
      return parser.parse(key);
    }
    Object o = parsed.get(key);
    if (o == null) {
      o = parser.parse(key);
      trim(parsed);
      parsed.put(key, o);
    }
    return (T) o;
  }

  private void trim(ConcurrentHashMap<?, ?> m) {
    if (m.size() >= maxEntries) {
      m.clear();
    }
  }

  /** A parser from bytes that may throw. */
  @FunctionalInterface
  interface ThrowingParser<T, E extends Exception> {
    T parse(Bytes b) throws E;
  }

  static <T> Function<T, T> identity() {
    return t -> t;
  }
}
