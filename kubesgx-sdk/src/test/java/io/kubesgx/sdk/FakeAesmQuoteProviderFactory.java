package io.kubesgx.sdk;

import io.kubesgx.common.Bytes;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.testing.SimFixtures;
import io.kubesgx.sim.QuoteException;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.SimPlatform;
import java.util.Map;

/**
 * Stands in for {@code io.kubesgx.aesm.AesmQuoteProvider}'s factory (registered in test {@code
 * META-INF/services}): its provider does the out-of-process flow against the shared simulated
 * platform's QE — TARGETINFO of the QE, REPORT from the given {@link ReportSource}, quote by the QE.
 */
public final class FakeAesmQuoteProviderFactory implements QuoteProviderFactory {
  /** The report source the last {@link #open} received. */
  static volatile ReportSource lastReportSource;
  /** The environment the last {@link #open} received. */
  static volatile Map<String, String> lastEnvironment;

  @Override
  public String kind() {
    return "aesm";
  }

  @Override
  public QuoteProvider open(Map<String, String> environment, ReportSource reportSource) {
    lastEnvironment = environment;
    lastReportSource = reportSource;
    SimPlatform platform = SimFixtures.platform();
    return new QuoteProvider() {
      @Override
      public byte[] quote(byte[] reportData) throws QuoteProviderException {
        QuotingEnclave qe = platform.quotingEnclave();
        byte[] report = reportSource.report(qe.targetInfo().toBytes().toByteArray(), reportData);
        try {
          return qe.quote(Bytes.of(report), 3);
        } catch (QuoteException e) {
          throw new QuoteProviderException(Reason.REJECTED, e.getMessage(), e);
        }
      }

      @Override
      public String name() {
        return "fake-aesm";
      }

      @Override
      public boolean isSimulated() {
        return false;
      }
    };
  }
}
