package io.kubesgx.sdk;

/**
 * Produces the calling enclave's REPORT for a target enclave (EREPORT), the first half of
 * out-of-process quoting: the AESM provider asks the quoting enclave for its TARGETINFO, obtains a
 * REPORT targeted at it here, and sends that REPORT to be quoted.
 */
@FunctionalInterface
public interface ReportSource {
  /**
   * Returns a 432-byte REPORT targeted at {@code targetInfo}.
   *
   * @param targetInfo 512-byte TARGETINFO of the quoting enclave
   * @param reportData 64-byte REPORTDATA
   * @throws QuoteProviderException when the report cannot be produced
   */
  byte[] report(byte[] targetInfo, byte[] reportData) throws QuoteProviderException;
}
