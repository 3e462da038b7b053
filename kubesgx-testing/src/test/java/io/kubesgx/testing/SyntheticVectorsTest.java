package io.kubesgx.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Verifies every committed synthetic vector against its index expectation. */
class SyntheticVectorsTest {
  private static QuoteVerifier testRootVerifier;

  @BeforeAll
  static void setUp() throws Exception {
    testRootVerifier =
        QuoteVerifier.newBuilder()
            .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(TestPki.standard().rootCertificate()))))
            .build();
  }

  private static final List<SyntheticVectors.Entry> INDEX = SyntheticVectors.index();

  static List<SyntheticVectors.Entry> vectors() {
    return INDEX;
  }

  /** Returns null when the vector behaves as its index says, else a description of the mismatch. */
  private static String check(SyntheticVectors.Entry e, boolean dropCollateralPckChain) {
    Path dir = SyntheticVectors.directory(e.name());
    Collateral c;
    try {
      c = CollateralLoader.fromDirectory(dir);
    } catch (MalformedInputException ex) {
      if (e.failsAtLoad()) {
        return null;
      }
      return e.name() + ": collateral failed to load: " + ex.getMessage();
    } catch (Exception ex) {
      return e.name() + ": " + ex;
    }
    if (e.failsAtLoad()) {
      return e.name() + ": collateral loaded but the index says the loader must reject it";
    }
    if (dropCollateralPckChain) {
      c = new Collateral(c.rootCaCrl(), c.pckCrl(), c.pckCrlIssuerChain(), c.tcbInfo(), c.tcbInfoIssuerChain(),
          c.qeIdentity(), c.qeIdentityIssuerChain(), List.of());
    }
    byte[] quote;
    try {
      quote = Files.readAllBytes(dir.resolve("quote.dat"));
    } catch (Exception ex) {
      return e.name() + ": " + ex;
    }
    try {
      VerifiedQuote v = testRootVerifier.verify(quote, c, e.now());
      if (e.expectedReason().isPresent()) {
        return e.name() + ": verified with " + v.status().jsonName() + " but expected failure " + e.expectedReason().get();
      }
      List<String> problems = new ArrayList<>();
      if (!v.status().jsonName().equals(e.expectedTcbStatus().orElseThrow())) {
        problems.add("status " + v.status().jsonName() + " != " + e.expectedTcbStatus().get());
      }
      if (!new HashSet<>(v.advisoryIds()).equals(new HashSet<>(e.expectedAdvisoryIds()))) {
        problems.add("advisories " + v.advisoryIds() + " != " + e.expectedAdvisoryIds());
      }
      if (v.isDebug() != e.expectedDebug()) {
        problems.add("isDebug " + v.isDebug() + " != " + e.expectedDebug());
      }
      if (v.trustAnchor().isIntelProduction() || v.isSimulated()) {
        problems.add("anchor " + v.trustAnchor() + " is Intel or simulated, expected the TEST root");
      }
      return problems.isEmpty() ? null : e.name() + ": " + String.join("; ", problems);
    } catch (AttestationException ex) {
      if (e.expectedReason().isPresent() && ex.reason().name().equals(e.expectedReason().get())) {
        return null;
      }
      return e.name() + ": failed with " + ex.getMessage() + " but expected "
          + e.expectedReason().orElse(e.expectedTcbStatus().orElse("?"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verify_syntheticVector_matchesIndexExpectation(SyntheticVectors.Entry e) {
    String problem = check(e, false);
    assertEquals(null, problem, problem);
  }

  @Test
  void verify_allSyntheticVectors_matchIndexExpectations() {
    List<String> failures = new ArrayList<>();
    for (SyntheticVectors.Entry e : vectors()) {
      String p = check(e, false);
      if (p != null) {
        failures.add(p);
      }
    }
    assertEquals(List.of(), failures, String.join("\n", failures));
  }

  @Test
  void verify_pckChainFromQuoteInsteadOfCollateral_sameExpectations() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (SyntheticVectors.Entry e : vectors()) {
      byte[] quote = SyntheticVectors.quote(e.name());
      int type = QuoteParser.parse(quote).signatureData().certificationData().type();
      if (type != CertificationData.PCK_CHAIN) {
        continue;
      }
      checked++;
      String p = check(e, true);
      if (p != null) {
        failures.add(p);
      }
    }
    assertTrue(checked > 30, "only " + checked + " vectors carry a PCK chain");
    assertEquals(List.of(), failures, String.join("\n", failures));
  }

  @Test
  void verify_syntheticVectorsAgainstIntelAnchors_failWithUntrustedRoot() throws Exception {
    QuoteVerifier intel = QuoteVerifier.newBuilder().build();
    List<String> failures = new ArrayList<>();
    for (SyntheticVectors.Entry e : vectors()) {
      if (e.failsAtLoad()) {
        continue;
      }
      Path dir = SyntheticVectors.directory(e.name());
      Collateral c = CollateralLoader.fromDirectory(dir);
      try {
        VerifiedQuote v = intel.verify(SyntheticVectors.quote(e.name()), c, e.now());
        failures.add(e.name() + ": verified against the Intel anchor with " + v.status());
      } catch (AttestationException ex) {
        if (ex.reason() != Reason.UNTRUSTED_ROOT) {
          failures.add(e.name() + ": " + ex.getMessage());
        }
      }
    }
    assertEquals(List.of(), failures, String.join("\n", failures));
  }

  @Test
  void index_coversRequiredScenarios() {
    Set<String> names = vectors().stream().map(SyntheticVectors.Entry::name).collect(Collectors.toSet());
    Set<String> statuses = vectors().stream().flatMap(e -> e.expectedTcbStatus().stream()).collect(Collectors.toSet());
    Set<String> reasons = vectors().stream().flatMap(e -> e.expectedReason().stream()).collect(Collectors.toSet());
    assertTrue(statuses.containsAll(Set.of("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
        "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded")), statuses.toString());
    assertTrue(reasons.containsAll(Set.of("TCB_REVOKED", "PCK_REVOKED", "INTERMEDIATE_REVOKED", "SIGNING_CERT_REVOKED",
        "QE_TCB_NOT_SUPPORTED", "TCB_INFO_MISMATCH", "TCB_INFO_EXPIRED", "CRL_EXPIRED", "TDX_MODULE_MISMATCH")),
        reasons.toString());
    for (String n : List.of("sgx-v3-debug-enclave", "sgx-v3-platform-ca", "tdx-v4-uptodate", "tdx-v4-module-outofdate",
        "tdx-v5-td15-uptodate", "sgx-v4-uptodate", "sgx-v3-duplicate-tcb-levels",
        "sgx-v3-qe-outofdate-platform-configuration-needed")) {
      assertTrue(names.contains(n), n);
    }
    for (Reason r : reasons.stream().map(Reason::valueOf).toList()) {
      assertTrue(r.name().length() > 0);
    }
  }

  @Test
  void fromDirectory_duplicateTcbLevels_rejectedAsDuplicated() {
    MalformedInputException ex =
        assertThrows(MalformedInputException.class,
            () -> CollateralLoader.fromDirectory(SyntheticVectors.directory("sgx-v3-duplicate-tcb-levels")));
    assertTrue(ex.getMessage().contains("duplicated"), ex.getMessage());
  }
}
