package io.kubesgx.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.gramine.GramineQuoteProvider;
import io.kubesgx.sdk.gramine.GramineReportSource;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sdk.sim.SimReportSource;
import io.kubesgx.sdk.testing.FakeGramineDevice;
import io.kubesgx.sdk.testing.SimFixtures;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuoteProvidersTest {
  @TempDir Path tmp;
  private Path root;
  private String simDir;

  @BeforeEach
  void setUp() {
    root = tmp.resolve("dev-attestation");
    simDir = SimFixtures.platform().directory().toString();
    FakeAesmQuoteProviderFactory.lastReportSource = null;
  }

  @Test
  void auto_nothingConfigured_throwsNotConfiguredListingChecks() {
    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> QuoteProviders.auto(Map.of(), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("attestation_type"), e.getMessage());
    assertTrue(e.getMessage().contains("SGX_AESM_ADDR"), e.getMessage());
    assertTrue(e.getMessage().contains("KUBESGX_SIMULATION"), e.getMessage());
  }

  @Test
  void auto_gramineDcap_choosesGramine() throws Exception {
    FakeGramineDevice.writeStatic(root, "dcap", new byte[] {1});

    try (QuoteProvider p = QuoteProviders.auto(Map.of("SGX_AESM_ADDR", "1", "KUBESGX_SIMULATION", "1"), root)) {
      assertInstanceOf(GramineQuoteProvider.class, p);
      assertEquals("gramine-dcap", p.name());
    }
  }

  @Test
  void auto_gramineFixtureAppearsLater_failsThenSucceeds() throws Exception {
    // Start order: the application starts before its attestation device is there.
    QuoteProviderException first = assertThrows(QuoteProviderException.class, () -> QuoteProviders.auto(Map.of(), root));
    assertEquals(Reason.NOT_CONFIGURED, first.reason());

    try (FakeGramineDevice device = FakeGramineDevice.start(root, "dcap", FakeGramineDevice.Mode.QUOTES,
        SimFixtures.platform(), SimFixtures.APP)) {
      QuoteProvider p = QuoteProviders.auto(Map.of(), root);
      byte[] rd = SimFixtures.filled(0x21);
      assertArrayEquals(rd, SimFixtures.reportDataOf(p.quote(rd)));
      assertEquals(1, device.served());
    }
  }

  @Test
  void auto_gramineTypeNoneWithoutAlternatives_explainsManifestSetting() throws Exception {
    FakeGramineDevice.writeStatic(root, "none", new byte[0]);

    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> QuoteProviders.auto(Map.of(), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("reads 'none'"), e.getMessage());
    assertTrue(e.getMessage().contains("sgx.remote_attestation"), e.getMessage());
  }

  @Test
  void auto_aesmAddressUnderGramine_usesAesmFactoryWithGramineReports() throws Exception {
    try (FakeGramineDevice device = FakeGramineDevice.start(root, "none", FakeGramineDevice.Mode.REPORTS,
        SimFixtures.platform(), SimFixtures.APP)) {
      Map<String, String> env = Map.of("SGX_AESM_ADDR", "/var/run/aesmd/aesm.socket");

      QuoteProvider p = QuoteProviders.auto(env, root);

      assertEquals("fake-aesm", p.name());
      assertInstanceOf(GramineReportSource.class, FakeAesmQuoteProviderFactory.lastReportSource);
      assertEquals(env, FakeAesmQuoteProviderFactory.lastEnvironment);
      byte[] rd = SimFixtures.filled(0x31);
      assertArrayEquals(rd, SimFixtures.reportDataOf(p.quote(rd)));
      assertEquals(1, device.served());
    }
  }

  @Test
  void auto_aesmAddressWithSimulation_usesSimulatedReports() throws Exception {
    Map<String, String> env = Map.of("SGX_AESM_ADDR", "/run/aesm.socket", "KUBESGX_SIMULATION", "1",
        "KUBESGX_SIM_PLATFORM", simDir);

    QuoteProvider p = QuoteProviders.auto(env, root);

    assertEquals("fake-aesm", p.name());
    assertInstanceOf(SimReportSource.class, FakeAesmQuoteProviderFactory.lastReportSource);
    byte[] rd = SimFixtures.filled(0x41);
    assertArrayEquals(rd, SimFixtures.reportDataOf(p.quote(rd)));
  }

  @Test
  void auto_aesmAddressWithoutEnclave_throwsNotConfigured() {
    QuoteProviderException e = assertThrows(QuoteProviderException.class,
        () -> QuoteProviders.auto(Map.of("SGX_AESM_ADDR", "/run/aesm.socket"), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("REPORT"), e.getMessage());
  }

  @Test
  void auto_aesmModuleAbsent_throwsNotConfiguredNamingArtifact() throws Exception {
    FakeGramineDevice.writeStatic(root, "none", new byte[0]);
    try (URLClassLoader empty = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
      QuoteProviderException e = assertThrows(QuoteProviderException.class,
          () -> QuoteProviders.auto(Map.of("SGX_AESM_ADDR", "/run/aesm.socket"), root, empty, Clock.systemUTC()));

      assertEquals(Reason.NOT_CONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("io.kubesgx:kubesgx-aesm"), e.getMessage());
    }
  }

  @Test
  void auto_calledTwiceWithAesm_opensFactoryEachTime() throws Exception {
    Map<String, String> env = Map.of("SGX_AESM_ADDR", "/run/aesm.socket", "KUBESGX_SIMULATION", "1",
        "KUBESGX_SIM_PLATFORM", simDir);

    QuoteProvider first = QuoteProviders.auto(env, root);
    FakeAesmQuoteProviderFactory.lastReportSource = null;
    QuoteProvider second = QuoteProviders.auto(env, root);

    assertTrue(first != second, "auto() must not hand out a cached provider");
    assertInstanceOf(SimReportSource.class, FakeAesmQuoteProviderFactory.lastReportSource);
  }

  @Test
  void auto_blankAesmAddress_ignored() {
    QuoteProviderException e = assertThrows(QuoteProviderException.class,
        () -> QuoteProviders.auto(Map.of("SGX_AESM_ADDR", " "), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("no quote provider fits"), e.getMessage());
  }

  @Test
  void auto_simulationOptedIn_choosesSimulatedProvider() throws Exception {
    try (QuoteProvider p = QuoteProviders.auto(Map.of("KUBESGX_SIMULATION", "1", "KUBESGX_SIM_PLATFORM", simDir), root)) {
      assertInstanceOf(SimQuoteProvider.class, p);
      assertTrue(p.isSimulated());
      byte[] rd = SimFixtures.filled(0x51);
      assertArrayEquals(rd, SimFixtures.reportDataOf(p.quote(rd)));
    }
  }

  @Test
  void auto_simulationWithoutPlatformDir_throwsNotConfigured() {
    QuoteProviderException e = assertThrows(QuoteProviderException.class,
        () -> QuoteProviders.auto(Map.of("KUBESGX_SIMULATION", "1"), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("KUBESGX_SIM_PLATFORM"), e.getMessage());
  }

  @Test
  void auto_simulationValueNotOne_notOptedIn() {
    QuoteProviderException e = assertThrows(QuoteProviderException.class,
        () -> QuoteProviders.auto(Map.of("KUBESGX_SIMULATION", "true", "KUBESGX_SIM_PLATFORM", simDir), root));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertFalse(e.getMessage().contains("KUBESGX_SIM_PLATFORM"), e.getMessage());
  }
}
