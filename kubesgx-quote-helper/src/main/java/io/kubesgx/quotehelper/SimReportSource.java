package io.kubesgx.quotehelper;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.ReportSource;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A {@link ReportSource} backed by a simulated application enclave on a simulated platform: EREPORT
 * on the platform's CPU. The quote helper's sim backend can only authenticate REPORTs made on the
 * same platform (same platform directory), exactly as a real QE only accepts REPORTs from its CPU.
 */
public final class SimReportSource implements ReportSource {
  private final SimPlatform platform;
  private final SimEnclave enclave;

  private SimReportSource(SimPlatform platform, SimEnclave enclave) {
    this.platform = Objects.requireNonNull(platform);
    this.enclave = Objects.requireNonNull(enclave);
  }

  /** Returns a source for {@code enclave} running on {@code platform}. */
  public static SimReportSource of(SimPlatform platform, SimEnclave enclave) {
    return new SimReportSource(platform, enclave);
  }

  /**
   * Returns a source for the default simulated application enclave: the same identity
   * {@code kubesgx sim quote} uses without {@code --mrenclave} (MRENCLAVE = SHA-256 of
   * "kubesgx simulated default enclave", the default simulated MRSIGNER, product 0, SVN 0).
   */
  public static SimReportSource defaultEnclave(SimPlatform platform) {
    Bytes mrEnclave = Bytes.of("kubesgx simulated default enclave".getBytes(StandardCharsets.US_ASCII)).sha256();
    return new SimReportSource(platform, AppEnclave.newBuilder().mrEnclave(mrEnclave).build());
  }

  /** Returns the enclave. */
  public SimEnclave enclave() {
    return enclave;
  }

  @Override
  public byte[] report(byte[] targetInfo, byte[] reportData) throws QuoteProviderException {
    if (targetInfo == null || targetInfo.length != TargetInfo.SIZE || reportData == null || reportData.length != 64) {
      throw new QuoteProviderException(QuoteProviderException.Reason.INVALID_INPUT,
          "EREPORT needs a 512-byte TARGETINFO and 64-byte REPORTDATA");
    }
    TargetInfo ti;
    try {
      ti = TargetInfo.parse(Bytes.of(targetInfo));
    } catch (MalformedInputException e) {
      throw new QuoteProviderException(QuoteProviderException.Reason.PROTOCOL,
          "the quoting enclave's TARGETINFO is malformed: " + e.getMessage(), e);
    }
    return platform.cpu().ereport(enclave, ti, Bytes.of(reportData)).toBytes().toByteArray();
  }
}
