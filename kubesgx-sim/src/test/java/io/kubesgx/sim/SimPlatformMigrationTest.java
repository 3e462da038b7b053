package io.kubesgx.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.CryptoProviders;
import io.kubesgx.common.json.Json;
import io.kubesgx.enclave.Report;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A platform directory written by the previous version (fuses {@code kubesgx-sim-fuses/1} with a
 * vendor RSA key that signed the QE and PCE; committed as a resource) keeps working after the QE
 * and PCE took Intel's identities.
 */
class SimPlatformMigrationTest {
  /** The attestation key the version-1 platform sealed (printed when the fixture was created). */
  private static final String V1_ATTESTATION_KEY =
      "7af063bd5baff6c0174fa2ededb7aa6ea914b783078fce43d96905d5c3e8e666"
          + "af8d58199f31bbb045ab8042422f1d9b8f7ca673daf6b027f46db1a805e90b66";
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static Path copyFixture(Path tmp) throws Exception {
    Path dir = tmp.resolve("platform-v1");
    Files.createDirectories(dir);
    for (String f : List.of("platform.json", "fuses.json", "qe3-attestation-key.sealed", "root-ca.der")) {
      try (var in = SimPlatformMigrationTest.class.getResourceAsStream("SimPlatformMigrationTest/platform-v1/" + f)) {
        Files.write(dir.resolve(f), in.readAllBytes());
      }
    }
    return dir;
  }

  @Test
  void open_versionOnePlatform_keepsItsAttestationKeyAndRootAndDropsTheVendorKey(@TempDir Path tmp) throws Exception {
    CryptoProviders.installPreferred();
    Path dir = copyFixture(tmp);
    byte[] root = Files.readAllBytes(dir.resolve("root-ca.der"));
    assertTrue(Files.readString(dir.resolve("fuses.json")).contains("vendorKey"));

    SimPlatform p = SimPlatform.open(dir, CLOCK);

    assertEquals(V1_ATTESTATION_KEY, p.quotingEnclave().attestationKey().hex());
    assertEquals(SimPlatform.INTEL_AE_MRSIGNER, p.qeEnclave().mrSigner());
    assertArrayEquals(root, p.rootCertificateDer().toByteArray());
    String fuses = Files.readString(dir.resolve("fuses.json"));
    assertEquals("kubesgx-sim-fuses/2", Json.parseObject(fuses).string("format"));
    assertFalse(fuses.contains("vendorKey"));

    SimPlatform again = SimPlatform.open(dir, CLOCK);
    assertEquals(V1_ATTESTATION_KEY, again.quotingEnclave().attestationKey().hex());
    Report r = again.cpu().ereport(AppEnclave.defaultEnclave(), again.quotingEnclave().targetInfo(), Bytes.zeros(64));
    byte[] q = again.quotingEnclave().quote(r, 3);
    QuoteVerifier v =
        QuoteVerifier.newBuilder()
            .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(again.rootCertificate()))))
            .build();
    assertTrue(v.verify(q, again.collateral(Scenario.UP_TO_DATE, NOW).toCollateral(), NOW).isSimulated());
  }
}
