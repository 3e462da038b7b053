package io.kubesgx.ratls;

import static io.kubesgx.ratls.RaTlsFixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.TcbStatus;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.sim.Scenario;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Gramine's {@code RA_TLS_ALLOW_*} mapping over the simulated platform's TCB scenarios. */
class RaTlsVerifierTcbTest {
  private static X509Certificate cert;

  @BeforeAll
  static void issue() throws RaTlsException {
    cert = RaTlsFixtures.issue(RaTlsKeyType.P384).certificate();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(Scenario.UP_TO_DATE, Set.of(), true),
        Arguments.of(Scenario.SW_HARDENING_NEEDED, Set.of(), false),
        Arguments.of(Scenario.SW_HARDENING_NEEDED, Set.of("hw", "outdated"), false),
        Arguments.of(Scenario.SW_HARDENING_NEEDED, Set.of("sw"), true),
        Arguments.of(Scenario.CONFIGURATION_NEEDED, Set.of(), false),
        Arguments.of(Scenario.CONFIGURATION_NEEDED, Set.of("sw", "outdated"), false),
        Arguments.of(Scenario.CONFIGURATION_NEEDED, Set.of("hw"), true),
        Arguments.of(Scenario.CONFIGURATION_AND_SW_HARDENING_NEEDED, Set.of("hw"), false),
        Arguments.of(Scenario.CONFIGURATION_AND_SW_HARDENING_NEEDED, Set.of("sw"), false),
        Arguments.of(Scenario.CONFIGURATION_AND_SW_HARDENING_NEEDED, Set.of("hw", "sw"), true),
        Arguments.of(Scenario.OUT_OF_DATE, Set.of("hw", "sw"), false),
        Arguments.of(Scenario.OUT_OF_DATE, Set.of("outdated"), true),
        Arguments.of(Scenario.OUT_OF_DATE_CONFIGURATION_NEEDED, Set.of("outdated"), false),
        Arguments.of(Scenario.OUT_OF_DATE_CONFIGURATION_NEEDED, Set.of("hw"), false),
        Arguments.of(Scenario.OUT_OF_DATE_CONFIGURATION_NEEDED, Set.of("outdated", "hw"), true),
        Arguments.of(Scenario.TCB_RECOVERY, Set.of(), false),
        Arguments.of(Scenario.TCB_RECOVERY, Set.of("outdated"), true),
        Arguments.of(Scenario.REVOKED_TCB, Set.of("outdated", "hw", "sw"), false),
        Arguments.of(Scenario.REVOKED_PCK, Set.of("outdated", "hw", "sw"), false));
  }

  @ParameterizedTest(name = "{0} with {1}: accepted={2}")
  @MethodSource("cases")
  void verify_tcbScenarioWithKnobs_acceptedOnlyWithTheRequiredKnobs(Scenario scenario, Set<String> knobs, boolean accepted)
      throws Exception {
    RaTlsPolicy.Builder p = RaTlsPolicy.builder();
    if (knobs.contains("hw")) {
      p.allowHwConfigNeeded();
    }
    if (knobs.contains("sw")) {
      p.allowSwHardeningNeeded();
    }
    if (knobs.contains("outdated")) {
      p.insecureAllowOutdatedTcb();
    }
    RaTlsVerifier v = RaTlsFixtures.verifier(p.build(), Clock.fixed(NOW, ZoneOffset.UTC))
        .collateral(CollateralSource.fixed(RaTlsFixtures.collateral(RaTlsFixtures.platform(), scenario)))
        .build();
    if (accepted) {
      VerifiedRaTls r = v.verify(cert);
      assertEquals(TcbStatus.fromJsonName(scenario.platformLevelStatus()), r.quote().status());
      return;
    }
    RaTlsException e = assertThrows(RaTlsException.class, () -> v.verify(cert));
    assertEquals(Step.VERIFY_EXTERNAL, e.step(), e.getMessage());
    if (scenario == Scenario.REVOKED_PCK || scenario == Scenario.REVOKED_TCB) {
      assertTrue(e.reason() == Reason.QUOTE_REJECTED || e.reason() == Reason.TCB_STATUS_NOT_ALLOWED, e.getMessage());
    } else {
      assertEquals(Reason.TCB_STATUS_NOT_ALLOWED, e.reason(), e.getMessage());
    }
  }
}
