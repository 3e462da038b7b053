package io.kubesgx.sdk.gramine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.testing.FakeGramineDevice;
import io.kubesgx.sdk.testing.SimFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GramineQuoteProviderTest {
  @TempDir Path tmp;

  @Test
  void quote_gramineDevice_quoteCarriesWrittenReportData() throws Exception {
    Path root = tmp.resolve("attestation");
    try (FakeGramineDevice device = FakeGramineDevice.start(root, "dcap", FakeGramineDevice.Mode.QUOTES,
            SimFixtures.platform(), SimFixtures.APP);
        GramineQuoteProvider provider = GramineQuoteProvider.open(root)) {
      byte[] reportData = SimFixtures.filled(0x5a);
      reportData[0] = 1;
      byte[] quote = provider.quote(reportData);

      assertArrayEquals(reportData, SimFixtures.reportDataOf(quote));
      assertEquals(1, device.served());
      assertEquals("gramine-dcap", provider.name());
      assertFalse(provider.isSimulated());
    }
  }

  @Test
  void quote_consecutiveCalls_eachQuoteCarriesItsOwnReportData() throws Exception {
    Path root = tmp.resolve("attestation");
    try (FakeGramineDevice device = FakeGramineDevice.start(root, "dcap", FakeGramineDevice.Mode.QUOTES,
            SimFixtures.platform(), SimFixtures.APP)) {
      GramineQuoteProvider provider = GramineQuoteProvider.open(root);
      for (int i = 0; i < 3; i++) {
        byte[] rd = SimFixtures.filled(i + 1);
        assertArrayEquals(rd, SimFixtures.reportDataOf(provider.quote(rd)));
      }
      assertEquals(3, device.served());
    }
  }

  @Test
  void quote_concurrentCallers_serialisedAndEachGetsOwnReportData() throws Exception {
    Path root = tmp.resolve("attestation");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (FakeGramineDevice device = FakeGramineDevice.start(root, "dcap", FakeGramineDevice.Mode.QUOTES,
            SimFixtures.platform(), SimFixtures.APP)) {
      // Two providers on the same files: the lock is process-wide, not per instance.
      GramineQuoteProvider a = GramineQuoteProvider.open(root);
      GramineQuoteProvider b = GramineQuoteProvider.open(root);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        byte[] rd = SimFixtures.filled(0x10 + i);
        GramineQuoteProvider p = i % 2 == 0 ? a : b;
        results.add(pool.submit(() -> java.util.Arrays.equals(rd, SimFixtures.reportDataOf(p.quote(rd)))));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get(20, TimeUnit.SECONDS));
      }
      assertEquals(8, device.served());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void open_attestationTypeNone_throwsNotConfigured() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "none", new byte[0]);

    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> GramineQuoteProvider.open(tmp));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("sgx.remote_attestation"), e.getMessage());
  }

  @Test
  void open_attestationTypeEpid_throwsNotConfigured() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "epid\n", new byte[0]);

    QuoteProviderException e = assertThrows(QuoteProviderException.class, () -> GramineQuoteProvider.open(tmp));

    assertEquals(Reason.NOT_CONFIGURED, e.reason());
    assertTrue(e.getMessage().contains("EPID"), e.getMessage());
  }

  @Test
  void open_attestationTypeMissing_throwsUnavailable() {
    QuoteProviderException e =
        assertThrows(QuoteProviderException.class, () -> GramineQuoteProvider.open(tmp.resolve("nothing")));

    assertEquals(Reason.UNAVAILABLE, e.reason());
  }

  @Test
  void open_attestationTypeWithNewline_accepted() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap\n", new byte[] {3, 0});

    assertEquals(2, GramineQuoteProvider.open(tmp).quote(new byte[64]).length);
  }

  @Test
  void quote_reportDataNot64Bytes_throwsInvalidInput() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[10]);
    GramineQuoteProvider p = GramineQuoteProvider.open(tmp);

    assertEquals(Reason.INVALID_INPUT, assertThrows(QuoteProviderException.class, () -> p.quote(new byte[63])).reason());
    assertEquals(Reason.INVALID_INPUT, assertThrows(QuoteProviderException.class, () -> p.quote(null)).reason());
  }

  @Test
  void quote_writesReportDataToUserReportData() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[] {1, 2, 3});
    byte[] rd = SimFixtures.filled(7);

    byte[] quote = GramineQuoteProvider.open(tmp).quote(rd);

    assertArrayEquals(rd, Files.readAllBytes(tmp.resolve("user_report_data")));
    assertArrayEquals(new byte[] {1, 2, 3}, quote);
  }

  @Test
  void quote_quoteLargerThanBound_throwsProtocol() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[GramineQuoteProvider.MAX_QUOTE_SIZE + 1]);

    QuoteProviderException e =
        assertThrows(QuoteProviderException.class, () -> GramineQuoteProvider.open(tmp).quote(new byte[64]));

    assertEquals(Reason.PROTOCOL, e.reason());
  }

  @Test
  void quote_quoteAtBound_returned() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[GramineQuoteProvider.MAX_QUOTE_SIZE]);

    assertEquals(GramineQuoteProvider.MAX_QUOTE_SIZE, GramineQuoteProvider.open(tmp).quote(new byte[64]).length);
  }

  @Test
  void quote_emptyQuote_throwsProtocol() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[0]);

    QuoteProviderException e =
        assertThrows(QuoteProviderException.class, () -> GramineQuoteProvider.open(tmp).quote(new byte[64]));

    assertEquals(Reason.PROTOCOL, e.reason());
  }

  @Test
  void quote_quoteFileRemoved_throwsUnavailable() throws Exception {
    FakeGramineDevice.writeStatic(tmp, "dcap", new byte[8]);
    GramineQuoteProvider p = GramineQuoteProvider.open(tmp);
    Files.delete(tmp.resolve("quote"));

    assertEquals(Reason.UNAVAILABLE, assertThrows(QuoteProviderException.class, () -> p.quote(new byte[64])).reason());
  }
}
