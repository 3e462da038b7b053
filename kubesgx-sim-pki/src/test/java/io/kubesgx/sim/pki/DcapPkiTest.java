package io.kubesgx.sim.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.pck.PckCa;
import java.math.BigInteger;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The production issuer has no test defaults: every identifying setting is explicit. */
class DcapPkiTest {
  private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2036-01-01T00:00:00Z");

  private static DcapPki.Builder complete(String seed) {
    return DcapPki.newBuilder(seed)
        .names("kubesgx UNIT", ", O=unit, C=US")
        .crlBaseUrl("https://crl.unit.invalid/")
        .caValidity(FROM, TO)
        .tcbSigningValidity(FROM, TO);
  }

  private static PckCertSpec.Builder leaf() {
    return PckCertSpec.newBuilder()
        .keyLabel("leaf")
        .serial(BigInteger.TEN)
        .validity(FROM, TO)
        .ppid("00112233445566778899aabbccddeeff")
        .fmspc("00515e000000")
        .components(1, 2, 3)
        .pceSvn(7);
  }

  @Test
  void build_withoutNames_throwsNamingTheSetting() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> DcapPki.newBuilder("seed").crlBaseUrl("https://x.invalid/").caValidity(FROM, TO)
                .tcbSigningValidity(FROM, TO).build());
    assertTrue(e.getMessage().contains("names"), e.getMessage());
  }

  @Test
  void build_withoutValidity_throws() {
    assertThrows(
        IllegalStateException.class,
        () -> DcapPki.newBuilder("seed").names("a", "b").crlBaseUrl("https://x.invalid/").build());
  }

  @Test
  void build_sameSeed_isByteIdentical_otherSeed_differs() {
    DcapPki a = complete("seed-a").build();
    assertArrayEquals(a.root().der().toByteArray(), complete("seed-a").build().root().der().toByteArray());
    assertNotEquals(a.root().der(), complete("seed-b").build().root().der());
    assertTrue(a.rootCertificate().getSubjectX500Principal().getName().contains("CN=kubesgx UNIT Root CA"));
  }

  @Test
  void pckSpec_withoutIdentifyingFields_throws() {
    assertThrows(IllegalStateException.class, () -> PckCertSpec.newBuilder().build());
    assertThrows(IllegalStateException.class, () -> leaf().ca(PckCa.PLATFORM).build());
  }

  @Test
  void issuePck_completeSpec_chainsToRoot() throws Exception {
    DcapPki pki = complete("seed").build();
    DcapPki.Issued pck = pki.issuePck(leaf().build());
    pck.certificate().verify(pki.processorCa().certificate().getPublicKey());
    assertEquals(3, pki.pckChain(pck).size());
  }
}
