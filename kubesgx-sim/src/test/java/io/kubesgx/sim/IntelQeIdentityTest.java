package io.kubesgx.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.quote.QuoteParser;
import io.kubesgx.verifier.AttestationException;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.Reason;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import io.kubesgx.verifier.VerifiedQuote;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated QE3 and PCE carry Intel's identities; only the simulation root tells them apart. */
class IntelQeIdentityTest {
  private static final String INTEL_QE3_MRSIGNER = "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff";
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

  @TempDir static Path tmp;
  static SimPlatform platform;

  @BeforeAll
  static void createPlatform() throws Exception {
    CryptoProviders.installPreferred();
    platform = SimPlatform.openOrCreate(tmp.resolve("p"), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static byte[] quote(int version) throws Exception {
    SimEnclave app = AppEnclave.defaultEnclave();
    Report r = platform.cpu().ereport(app, platform.quotingEnclave().targetInfo(), Bytes.zeros(64));
    return platform.quotingEnclave().quote(r, version);
  }

  @Test
  void qeEnclave_hasIntelsQe3MrSignerAndProdId() {
    assertEquals(INTEL_QE3_MRSIGNER, platform.qeEnclave().mrSigner().hex());
    assertEquals(1, platform.qeEnclave().isvProdId());
    assertEquals(INTEL_QE3_MRSIGNER, SimPlatform.INTEL_AE_MRSIGNER.hex());
  }

  @Test
  void quote_qeReportBody_carriesIntelsMrSignerAndProdId() throws Exception {
    for (int version : new int[] {3, 4}) {
      EnclaveReportBody qeReport =
          QuoteParser.parse(quote(version)).signatureData().qeReport();
      assertEquals(INTEL_QE3_MRSIGNER, qeReport.mrSigner().hex(), "v" + version);
      assertEquals(1, qeReport.isvProdId(), "v" + version);
    }
  }

  @Test
  void qeIdentityCollateral_namesIntelsQe3() throws Exception {
    String body = platform.collateral(Scenario.UP_TO_DATE, NOW).qeIdentityBody();
    JsonObject identity = Json.parseObject(body).object("enclaveIdentity");
    assertEquals(INTEL_QE3_MRSIGNER.toUpperCase(java.util.Locale.ROOT), identity.string("mrsigner"));
    assertEquals(1, identity.integer("isvprodid"));
    assertEquals("QE", identity.string("id"));
  }

  @Test
  void quote_simulationRoot_verifies_intelPinnedVerifier_rejectsUntrustedRoot() throws Exception {
    byte[] q = quote(3);
    Collateral c = platform.collateral(Scenario.UP_TO_DATE, NOW).toCollateral();
    QuoteVerifier sim =
        QuoteVerifier.newBuilder()
            .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform.rootCertificate()))))
            .build();
    VerifiedQuote v = sim.verify(q, c, NOW);
    assertTrue(v.isSimulated());
    AttestationException e =
        assertThrows(AttestationException.class, () -> QuoteVerifier.newBuilder().build().verify(q, c, NOW));
    assertEquals(Reason.UNTRUSTED_ROOT, e.reason());
  }
}
