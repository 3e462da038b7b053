package io.kubesgx.sdk.gramine;

import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sdk.ReportSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Produces the enclave's REPORT through Gramine's {@code /dev/attestation}: writes {@code
 * target_info} and {@code user_report_data}, then reads {@code report}; this lets the AESM provider
 * quote from inside Gramine.
 *
 * <p>The sequence runs under the same process-wide lock as {@link GramineQuoteProvider}, because
 * Gramine keeps the target and the REPORTDATA once per process.
 */
public final class GramineReportSource implements ReportSource {
  /** Size of a TARGETINFO (enclave-measurement.md §4.2). */
  public static final int TARGET_INFO_SIZE = 512;
  /** Size of a REPORT (enclave-measurement.md §4.1). */
  public static final int REPORT_SIZE = 432;

  private final Path root;

  private GramineReportSource(Path root) {
    this.root = root;
  }

  /**
   * Opens the report source on {@code root} after checking that {@code root/report} exists (any
   * Gramine SGX enclave has it, whatever its attestation type).
   *
   * @throws QuoteProviderException {@link Reason#UNAVAILABLE} when not running inside Gramine with SGX
   */
  public static GramineReportSource open(Path root) throws QuoteProviderException {
    Objects.requireNonNull(root, "root");
    if (!Files.exists(root.resolve("report"))) {
      throw new QuoteProviderException(Reason.UNAVAILABLE,
          root.resolve("report") + " does not exist: not running inside Gramine with SGX");
    }
    return new GramineReportSource(root);
  }

  /**
   * Returns a 432-byte REPORT of this enclave targeted at {@code targetInfo} and carrying {@code reportData}.
   *
   * @throws QuoteProviderException {@link Reason#INVALID_INPUT} for wrong sizes, {@link
   *     Reason#UNAVAILABLE} or {@link Reason#IO} when Gramine's files fail, {@link Reason#PROTOCOL}
   *     when the report is not 432 bytes
   */
  @Override
  public byte[] report(byte[] targetInfo, byte[] reportData) throws QuoteProviderException {
    if (targetInfo == null || targetInfo.length != TARGET_INFO_SIZE) {
      throw new QuoteProviderException(Reason.INVALID_INPUT, "TARGETINFO must be " + TARGET_INFO_SIZE
          + " bytes, got " + (targetInfo == null ? "null" : targetInfo.length));
    }
    if (reportData == null || reportData.length != 64) {
      throw new QuoteProviderException(Reason.INVALID_INPUT,
          "REPORTDATA must be 64 bytes, got " + (reportData == null ? "null" : reportData.length));
    }
    byte[] report;
    GramineFiles.lock();
    try {
      GramineFiles.write(root.resolve("target_info"), targetInfo.clone());
      GramineFiles.write(root.resolve("user_report_data"), reportData.clone());
      report = GramineFiles.read(root.resolve("report"), REPORT_SIZE);
    } finally {
      GramineFiles.LOCK.unlock();
    }
    if (report.length != REPORT_SIZE) {
      throw new QuoteProviderException(Reason.PROTOCOL,
          root.resolve("report") + " returned " + report.length + " bytes; expected " + REPORT_SIZE);
    }
    return report;
  }

  @Override
  public String toString() {
    return "GramineReportSource[" + root + "]";
  }
}
