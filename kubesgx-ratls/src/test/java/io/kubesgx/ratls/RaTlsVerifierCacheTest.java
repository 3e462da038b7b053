package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sim.Scenario;
import io.kubesgx.testing.MutableClock;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RaTlsVerifierCacheTest {
  /** Counts collateral fetches (one per full verification) and can be made to fail. */
  private static final class CountingSource implements CollateralSource {
    final AtomicInteger calls = new AtomicInteger();
    final Collateral collateral;
    volatile boolean failing;

    CountingSource(Collateral collateral) {
      this.collateral = collateral;
    }

    @Override
    public Collateral collateralFor(io.kubesgx.quote.Quote quote) throws RaTlsException {
      calls.incrementAndGet();
      if (failing) {
        throw new RaTlsException(Step.VERIFY_EXTERNAL, Reason.COLLATERAL_UNAVAILABLE, "down");
      }
      return collateral;
    }
  }

  private static RaTlsVerifier verifier(CountingSource src, MutableClock clock, Duration maxAge) {
    return RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), clock).collateral(src).cache(100, maxAge).build();
  }

  @Test
  void verify_sameCertificateWithinMaxAge_returnsCachedResult() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    MutableClock clock = new MutableClock(NOW);
    RaTlsVerifier v = verifier(src, clock, Duration.ofMinutes(10));
    VerifiedRaTls first = v.verify(c);
    clock.advance(Duration.ofMinutes(9));
    assertSame(first, v.verify(c.getEncoded()));
    assertEquals(1, src.calls.get());
  }

  @Test
  void verify_otherCertificate_isNotAHit() throws Exception {
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    RaTlsVerifier v = verifier(src, new MutableClock(NOW), Duration.ofMinutes(10));
    v.verify(RaTlsFixtures.issue(RaTlsKeyType.P384).certificate());
    v.verify(RaTlsFixtures.issue(RaTlsKeyType.P384).certificate());
    assertEquals(2, src.calls.get());
  }

  @Test
  void verify_afterMaxAge_verifiesAgain() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    MutableClock clock = new MutableClock(NOW);
    RaTlsVerifier v = verifier(src, clock, Duration.ofMinutes(10));
    VerifiedRaTls first = v.verify(c);
    clock.advance(Duration.ofMinutes(10));
    assertNotSame(first, v.verify(c));
    assertEquals(2, src.calls.get());
  }

  @Test
  void verify_afterCollateralExpiryWithinMaxAge_verifiesAgainAndRefuses() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    // Simulated collateral is issued at the start of a UTC day and expires 30 days later: collateral made
    // 29 days ago expires at the next midnight E. Verifying at E - 12h caches the result until E, before the
    // one-day maximum age.
    Collateral old = RaTlsFixtures.platform().collateral(Scenario.UP_TO_DATE, NOW.minus(Duration.ofDays(29))).toCollateral();
    java.time.Instant expiry = NOW.truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1));
    CountingSource src = new CountingSource(old);
    MutableClock clock = new MutableClock(expiry.minus(Duration.ofHours(12)));
    RaTlsVerifier v = verifier(src, clock, Duration.ofDays(1));
    VerifiedRaTls first = v.verify(c);
    assertEquals(expiry, first.validUntil());
    clock.set(expiry.minusSeconds(1));
    assertSame(first, v.verify(c));
    clock.set(expiry);
    assertNotSame(first, v.verify(c), "at validUntil the cached result is no longer used");
    assertEquals(2, src.calls.get());
    clock.set(expiry.plusSeconds(1));
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(c));
    assertEquals(Reason.QUOTE_REJECTED, e.reason());
    assertEquals(3, src.calls.get());
  }

  @Test
  void verify_failure_isNotCached() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    src.failing = true;
    RaTlsVerifier v = verifier(src, new MutableClock(NOW), Duration.ofMinutes(10));
    assertThrows(RaTlsException.class, () -> v.verify(c));
    src.failing = false;
    v.verify(c);
    assertEquals(2, src.calls.get());
  }

  @Test
  void verify_withoutCache_verifiesEveryTime() throws Exception {
    X509Certificate c = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), new MutableClock(NOW)).collateral(src).build();
    assertNotSame(v.verify(c), v.verify(c));
    assertEquals(2, src.calls.get());
  }

  @Test
  void cache_badArguments_throwIllegalArgument() {
    RaTlsVerifier.Builder b = RaTlsVerifier.builder();
    assertThrows(IllegalArgumentException.class, () -> b.cache(0, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class, () -> b.cache(10, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.cache(10, Duration.ofDays(2)));
  }

  /** {@code n} distinct certificates of about 60 KiB for one issued key: same evidence, different padding. */
  private static java.util.List<byte[]> largeCertificates(int n) throws Exception {
    RaTlsCredential c = RaTlsFixtures.issue(RaTlsKeyType.P384);
    java.security.KeyPair kp = new java.security.KeyPair(c.certificate().getPublicKey(), c.privateKey());
    org.bouncycastle.asn1.x509.Extensions issued =
        org.bouncycastle.asn1.x509.Certificate.getInstance(c.certificate().getEncoded()).getTBSCertificate().getExtensions();
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      java.util.List<org.bouncycastle.asn1.x509.Extension> exts = new java.util.ArrayList<>();
      for (org.bouncycastle.asn1.ASN1ObjectIdentifier oid : issued.getExtensionOIDs()) {
        exts.add(issued.getExtension(oid));
      }
      byte[] pad = new byte[60 * 1024 - c.certificate().getEncoded().length];
      java.nio.ByteBuffer.wrap(pad).putInt(i);
      exts.add(new org.bouncycastle.asn1.x509.Extension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.99999.2"),
          false, new org.bouncycastle.asn1.DEROctetString(pad)));
      out.add(RaTlsEvidenceStrictnessTest.assemble(kp, exts));
    }
    return out;
  }

  @Test
  void cache_noByteBoundGiven_defaultByteBoundApplies() throws Exception {
    // The eviction itself is shown by cacheMaxBytes_smallBound_keepsEntriesWithinBound; filling the
    // 64 MiB default with 60 KiB certificates would take ~1,400 verifications per test run.
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), new MutableClock(NOW))
        .cache(1000, Duration.ofMinutes(10)).build();
    assertEquals(RaTlsVerifier.DEFAULT_CACHE_MAX_BYTES, v.cacheMaximumWeight());
    assertEquals(64L << 20, RaTlsVerifier.DEFAULT_CACHE_MAX_BYTES);
  }

  @Test
  void cacheMaxBytes_smallBound_keepsEntriesWithinBound() throws Exception {
    CountingSource src = new CountingSource(RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE));
    RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), new MutableClock(NOW)).collateral(src)
        .cache(1000, Duration.ofMinutes(10)).cacheMaxBytes(3 * (3 * 60 * 1024 + 2048)).build();
    for (byte[] der : largeCertificates(10)) {
      v.verify(der);
    }
    org.junit.jupiter.api.Assertions.assertTrue(v.cachedEntries() <= 3, v.cachedEntries() + " entries");
    org.junit.jupiter.api.Assertions.assertTrue(v.cachedEntries() >= 1, "nothing cached");
  }

  @Test
  void cacheMaxBytes_nonPositive_throwsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> RaTlsVerifier.builder().cacheMaxBytes(0));
  }
}
