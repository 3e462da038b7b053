package io.kubesgx.verifier;

import io.kubesgx.common.Bytes;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;

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
  private final ConcurrentHashMap<IdentityPair, Object> byIdentity = new ConcurrentHashMap<>();

  /**
   * A key made of object identities. Only immutable objects are used (certificates from the
   * DER-keyed cache, public keys, collateral records and their lists, trust anchor sets), and the
   * map holds them strongly, so an identity can never be reused for different content while the
   * entry exists.
   */
  static final class IdentityPair {
    private final Object[] parts;

    IdentityPair(Object... parts) {
      this.parts = parts;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof IdentityPair) || ((IdentityPair) o).parts.length != parts.length) {
        return false;
      }
      for (int i = 0; i < parts.length; i++) {
        if (((IdentityPair) o).parts[i] != parts[i]) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      int h = 1;
      for (Object p : parts) {
        h = h * 31 + System.identityHashCode(p);
      }
      return h;
    }
  }

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

  /** Returns a value remembered for the object identities, or null. */
  Object byIdentity(Object... parts) {
    return enabled() ? byIdentity.get(new IdentityPair(parts)) : null;
  }

  /** Remembers a value for the object identities (the value is the last argument). */
  void rememberByIdentity(Object a, Object b, Object value) {
    rememberByIdentity3(a, b, null, value);
  }

  /** Remembers a value for three object identities. */
  void rememberByIdentity3(Object a, Object b, Object c, Object value) {
    if (enabled()) {
      trim(byIdentity);
      byIdentity.put(c == null ? new IdentityPair(a, b) : new IdentityPair(a, b, c), value);
    }
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
}
