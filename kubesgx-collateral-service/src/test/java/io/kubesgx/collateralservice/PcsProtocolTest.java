package io.kubesgx.collateralservice;

import io.kubesgx.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.pck.PckCa;
import io.kubesgx.quote.TeeType;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** URI construction, base-URL normalisation and the token bucket. */
class PcsProtocolTest {
  static final CollateralKey TDX = CollateralKey.of(TeeType.TDX, "00806f050000", PckCa.PLATFORM, UpdateType.EARLY);

  @ParameterizedTest
  @CsvSource({
    "https://pccs:8081, https://pccs:8081",
    "https://pccs:8081/, https://pccs:8081",
    "https://pccs:8081/sgx/certification/v4/, https://pccs:8081",
    "https://pccs:8081/tdx/certification/v4, https://pccs:8081",
    "https://gw.example/pccs/, https://gw.example/pccs",
    "HTTPS://api.trustedservices.intel.com, https://api.trustedservices.intel.com"
  })
  void apiBase_variants_normalise(String in, String expected) {
    assertEquals(URI.create(expected), PcsProtocol.apiBase(URI.create(in)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://pccs", "pccs:8081", "https://pccs/?x=1", "/relative"})
  void apiBase_unsupported_throws(String in) {
    assertThrows(IllegalArgumentException.class, () -> PcsProtocol.apiBase(URI.create(in)));
  }

  @Test
  void uris_tdxKey_useTdxPrefixForTcbAndQeAndSgxForCrl() {
    URI base = URI.create("https://pccs:8081");
    assertEquals("https://pccs:8081/tdx/certification/v4/tcb?fmspc=00806F050000&update=early",
        PcsProtocol.tcbInfoUri(base, TDX).toString());
    assertEquals("https://pccs:8081/tdx/certification/v4/qe/identity?update=early",
        PcsProtocol.qeIdentityUri(base, TDX).toString());
    assertEquals("https://pccs:8081/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
        PcsProtocol.pckCrlUri(base, TDX).toString());
  }

  @Test
  void defaultRootCaCrlUri_intelPcs_isCertificateDistributionPoint() {
    assertEquals(URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"),
        PcsProtocol.defaultRootCaCrlUri(URI.create("https://api.trustedservices.intel.com")));
    assertEquals(URI.create("https://pccs:8081/sgx/certification/v4/rootcacrl"),
        PcsProtocol.defaultRootCaCrlUri(URI.create("https://pccs:8081")));
  }

  @Test
  void collateralKey_toString_isCompactLabel() {
    assertEquals("tdx/00806F050000/platform/early", TDX.toString());
    assertThrows(IllegalArgumentException.class, () -> CollateralKey.of(TeeType.SGX, "xyz", PckCa.PROCESSOR, UpdateType.EARLY));
  }

  @Test
  void tokenBucket_drained_refillsWithClock() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    TokenBucket b = new TokenBucket(clock, 2.0, 4);
    assertEquals(true, b.tryAcquire(4));
    assertEquals(false, b.tryAcquire(1));
    assertEquals(Duration.ofMillis(500), b.timeUntil(1));
    clock.advance(Duration.ofMillis(1500));
    assertEquals(true, b.tryAcquire(3));
    clock.advance(Duration.ofHours(1));
    assertEquals(true, b.tryAcquire(4));
    assertEquals(false, b.tryAcquire(1));
    assertEquals(Clock.systemUTC().getZone(), clock.getZone());
  }

  @Test
  void dataKey_sameSampledBytesButDifferentData_areNotEqual() {
    byte[] a = new byte[4096];
    byte[] b = a.clone();
    b[1] = 1; // not among the sampled positions, so the hashes collide
    QuoteKeys.DataKey ka = QuoteKeys.DataKey.of(new io.kubesgx.quote.CertificationData(5, io.kubesgx.common.Bytes.of(a)));
    QuoteKeys.DataKey kb = QuoteKeys.DataKey.of(new io.kubesgx.quote.CertificationData(5, io.kubesgx.common.Bytes.of(b)));
    QuoteKeys.DataKey ka2 = QuoteKeys.DataKey.of(new io.kubesgx.quote.CertificationData(5, io.kubesgx.common.Bytes.of(a)));
    QuoteKeys.DataKey kt = QuoteKeys.DataKey.of(new io.kubesgx.quote.CertificationData(4, io.kubesgx.common.Bytes.of(a)));
    assertEquals(ka.hashCode(), kb.hashCode());
    assertEquals(false, ka.equals(kb));
    assertEquals(ka, ka2);
    assertEquals(false, ka.equals(kt));
  }
}
