package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralService;
import io.kubesgx.quote.Quote;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.pcs.SimPcsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CollateralSourceTest {
  @Test
  void fixed_anyQuote_returnsTheCollateral() throws Exception {
    Collateral c = RaTlsFixtures.collateral(RaTlsFixtures.platform(), Scenario.UP_TO_DATE);
    Quote q = RaTlsEvidence.parse(RaTlsFixtures.issue(RaTlsKeyType.P256).certificate()).quote();
    assertSame(c, CollateralSource.fixed(c).collateralFor(q));
  }

  @Test
  void service_simulatedPcs_verifiesEndToEnd() throws Exception {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    X509Certificate cert = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
    try (SimPcsServer pcs = SimPcsServer.start(RaTlsFixtures.platform().directory(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), clock);
        CollateralService service = CollateralService.builder().baseUrl(pcs.baseUri()).clock(clock).build()) {
      RaTlsVerifier v = RaTlsFixtures.verifier(RaTlsFixtures.anyEnclave(), clock)
          .collateral(CollateralSource.service(service)).build();
      assertEquals(RaTlsExtension.DICE, v.verify(cert).extension());
    }
  }

  @Test
  void service_pcsUnreachable_throwsCollateralUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Quote q = RaTlsEvidence.parse(RaTlsFixtures.issue(RaTlsKeyType.P256).certificate()).quote();
    try (CollateralService service = CollateralService.builder()
        .baseUrl(URI.create("http://127.0.0.1:" + port + "/sgx/certification/v4/"))
        .requestTimeout(Duration.ofSeconds(2)).build()) {
      RaTlsException e = assertThrows(RaTlsException.class, () -> CollateralSource.service(service).collateralFor(q));
      assertEquals(Step.VERIFY_EXTERNAL, e.step());
      assertEquals(Reason.COLLATERAL_UNAVAILABLE, e.reason());
    }
  }
}
