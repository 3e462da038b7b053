package io.kubesgx.sdk.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.testing.SimFixtures;
import io.kubesgx.sim.QuotingEnclave;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimQuoteProviderTest {
  @TempDir Path tmp;

  @Test
  void quote_reportData_landsInSimulatedQuote() throws Exception {
    SimQuoteProvider p = SimQuoteProvider.create(SimFixtures.platform(), SimFixtures.APP);
    byte[] rd = SimFixtures.filled(0x33);

    byte[] quote = p.quote(rd);

    assertArrayEquals(rd, SimFixtures.reportDataOf(quote));
    assertEquals(3, quote[0]);
    assertTrue(p.isSimulated());
    assertTrue(p.name().contains("simulated"));
  }

  @Test
  void open_existingPlatformDirectory_usesIt() throws Exception {
    Path dir = SimFixtures.platform().directory();
    try (SimQuoteProvider p = SimQuoteProvider.open(dir, Clock.systemUTC())) {
      assertArrayEquals(SimFixtures.filled(1), SimFixtures.reportDataOf(p.quote(SimFixtures.filled(1))));
    }
  }

  @Test
  void open_unusableDirectory_throwsIo() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");

    assertEquals(Reason.IO,
        assertThrows(QuoteProviderException.class, () -> SimQuoteProvider.open(file, Clock.systemUTC())).reason());
  }

  @Test
  void quote_wrongReportDataSize_throwsInvalidInput() {
    SimQuoteProvider p = SimQuoteProvider.create(SimFixtures.platform(), SimFixtures.APP);

    assertEquals(Reason.INVALID_INPUT, assertThrows(QuoteProviderException.class, () -> p.quote(new byte[32])).reason());
  }

  @Test
  void report_targetedAtQe_qeQuotesIt() throws Exception {
    QuotingEnclave qe = SimFixtures.platform().quotingEnclave();
    SimReportSource s = SimReportSource.create(SimFixtures.platform(), SimFixtures.APP);
    byte[] rd = SimFixtures.filled(0x77);

    byte[] report = s.report(qe.targetInfo().toBytes().toByteArray(), rd);

    assertArrayEquals(rd, SimFixtures.reportDataOf(qe.quote(Bytes.of(report), 3)));
  }

  @Test
  void report_malformedTargetInfo_throwsInvalidInput() {
    SimReportSource s = SimReportSource.create(SimFixtures.platform(), SimFixtures.APP);

    assertEquals(Reason.INVALID_INPUT,
        assertThrows(QuoteProviderException.class, () -> s.report(new byte[100], new byte[64])).reason());
  }
}
