package io.kubesgx.sdk.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.ReportSource;
import io.kubesgx.sim.SimPlatform;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * DANGEROUS: produces REPORTs of a simulated application enclave with the simulated CPU's EREPORT,
 * so the AESM provider can be exercised against a simulated quote helper; development and tests only.
 */
public final class SimReportSource implements ReportSource {
  private final SimPlatform platform;
  private final SimEnclave enclave;

  private SimReportSource(SimPlatform platform, SimEnclave enclave) {
    this.platform = platform;
    this.enclave = enclave;
  }

  /**
   * DANGEROUS: opens (or creates) the simulated platform in {@code platformDir} and reports for the
   * default simulated application enclave.
   *
   * @throws QuoteProviderException {@link Reason#IO} when the platform directory cannot be opened
   */
  public static SimReportSource open(Path platformDir, Clock clock) throws QuoteProviderException {
    Objects.requireNonNull(platformDir, "platformDir");
    Objects.requireNonNull(clock, "clock");
    return new SimReportSource(SimSupport.openPlatform(platformDir, clock), SimSupport.defaultEnclave());
  }

  /** DANGEROUS: reports for {@code enclave} on {@code platform}. */
  public static SimReportSource create(SimPlatform platform, SimEnclave enclave) {
    return new SimReportSource(Objects.requireNonNull(platform, "platform"), Objects.requireNonNull(enclave, "enclave"));
  }

  /** Returns the simulated application enclave whose REPORTs this source makes. */
  public SimEnclave enclave() {
    return enclave;
  }

  /**
   * Returns the simulated enclave's 432-byte REPORT targeted at {@code targetInfo}.
   *
   * @throws QuoteProviderException {@link Reason#INVALID_INPUT} when the TARGETINFO or REPORTDATA is malformed
   */
  @Override
  public byte[] report(byte[] targetInfo, byte[] reportData) throws QuoteProviderException {
    if (targetInfo == null || targetInfo.length != TargetInfo.SIZE) {
      throw new QuoteProviderException(Reason.INVALID_INPUT, "TARGETINFO must be " + TargetInfo.SIZE
          + " bytes, got " + (targetInfo == null ? "null" : targetInfo.length));
    }
    Bytes rd = SimSupport.reportData(reportData);
    TargetInfo ti;
    try {
      ti = TargetInfo.parse(Bytes.of(targetInfo));
    } catch (MalformedInputException e) {
      throw new QuoteProviderException(Reason.INVALID_INPUT, "malformed TARGETINFO: " + e.getMessage(), e);
    }
    return platform.cpu().ereport(enclave, ti, rd).toBytes().toByteArray();
  }

  @Override
  public String toString() {
    return "SimReportSource[SIMULATED " + platform.directory() + "]";
  }
}
