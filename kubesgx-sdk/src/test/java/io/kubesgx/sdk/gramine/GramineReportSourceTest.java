package io.kubesgx.sdk.gramine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubesgx.common.Bytes;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.testing.FakeGramineDevice;
import io.kubesgx.sdk.testing.SimFixtures;
import io.kubesgx.sim.QuotingEnclave;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GramineReportSourceTest {
  @TempDir Path tmp;

  @Test
  void report_targetedAtQe_qeAcceptsItAndQuoteCarriesReportData() throws Exception {
    Path root = tmp.resolve("attestation");
    QuotingEnclave qe = SimFixtures.platform().quotingEnclave();
    try (FakeGramineDevice device = FakeGramineDevice.start(root, "none", FakeGramineDevice.Mode.REPORTS,
        SimFixtures.platform(), SimFixtures.APP)) {
      GramineReportSource source = GramineReportSource.open(root);
      byte[] rd = SimFixtures.filled(0x42);

      byte[] report = source.report(qe.targetInfo().toBytes().toByteArray(), rd);

      assertEquals(GramineReportSource.REPORT_SIZE, report.length);
      assertArrayEquals(qe.targetInfo().toBytes().toByteArray(), Files.readAllBytes(root.resolve("target_info")));
      // The QE checks the REPORT's MAC: it only verifies when the report was made for the QE's TARGETINFO.
      byte[] quote = qe.quote(Bytes.of(report), 3);
      assertArrayEquals(rd, SimFixtures.reportDataOf(quote));
      assertEquals(1, device.served());
    }
  }

  @Test
  void open_noReportFile_throwsUnavailable() {
    assertEquals(Reason.UNAVAILABLE,
        assertThrows(QuoteProviderException.class, () -> GramineReportSource.open(tmp.resolve("none"))).reason());
  }

  @Test
  void report_wrongSizes_throwInvalidInput() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[0]);
    GramineReportSource s = GramineReportSource.open(tmp);

    assertEquals(Reason.INVALID_INPUT,
        assertThrows(QuoteProviderException.class, () -> s.report(new byte[511], new byte[64])).reason());
    assertEquals(Reason.INVALID_INPUT,
        assertThrows(QuoteProviderException.class, () -> s.report(new byte[512], new byte[65])).reason());
  }

  @Test
  void report_shortReport_throwsProtocol() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[0]);
    Files.write(tmp.resolve("report"), new byte[100]);

    assertEquals(Reason.PROTOCOL, assertThrows(QuoteProviderException.class,
        () -> GramineReportSource.open(tmp).report(new byte[512], new byte[64])).reason());
  }

  @Test
  void report_oversizedReport_throwsProtocol() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[0]);
    Files.write(tmp.resolve("report"), new byte[4096]);

    assertEquals(Reason.PROTOCOL, assertThrows(QuoteProviderException.class,
        () -> GramineReportSource.open(tmp).report(new byte[512], new byte[64])).reason());
  }
}
