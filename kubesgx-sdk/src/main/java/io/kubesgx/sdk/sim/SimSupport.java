package io.kubesgx.sdk.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.SimPlatform;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/** Opening a simulated platform and the default application enclave, with failures as {@link QuoteProviderException}. */
final class SimSupport {
  private SimSupport() {}

  /** The application enclave used when none is given ({@link AppEnclave#defaultEnclave()}). */
  static SimEnclave defaultEnclave() {
    return AppEnclave.defaultEnclave();
  }

  static SimPlatform openPlatform(Path dir, Clock clock) throws QuoteProviderException {
    try {
      return SimPlatform.openOrCreate(dir, clock);
    } catch (IOException e) {
      throw new QuoteProviderException(Reason.IO, "cannot open the simulated platform in " + dir + ": " + e, e);
    } catch (MalformedInputException e) {
      throw new QuoteProviderException(Reason.IO,
          "the simulated platform in " + dir + " is damaged: " + e.getMessage(), e);
    }
  }

  static Bytes reportData(byte[] reportData) throws QuoteProviderException {
    if (reportData == null || reportData.length != 64) {
      throw new QuoteProviderException(Reason.INVALID_INPUT,
          "REPORTDATA must be 64 bytes, got " + (reportData == null ? "null" : reportData.length));
    }
    return Bytes.of(reportData);
  }
}
