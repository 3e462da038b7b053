package io.kubesgx.sdk.sim;

import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import io.kubesgx.sdk.QuoteProviderException.Reason;
import io.kubesgx.sim.QuoteException;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.SimPlatform;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * DANGEROUS: returns quotes of the software-simulated SGX platform (EREPORT of a simulated
 * application enclave targeted at the simulated QE, then a v3 DCAP quote); for development and tests
 * only — no production verifier accepts them.
 *
 * <pre>{@code
 * try (QuoteProvider p = SimQuoteProvider.open(Path.of("/var/lib/kubesgx-sim"), Clock.systemUTC())) {
 *   byte[] quote = p.quote(reportData64);
 * }
 * }</pre>
 */
public final class SimQuoteProvider implements QuoteProvider {
  /** The quote version produced (v3, certification data type 5). */
  public static final int QUOTE_VERSION = 3;

  private final SimPlatform platform;
  private final SimEnclave enclave;

  private SimQuoteProvider(SimPlatform platform, SimEnclave enclave) {
    this.platform = platform;
    this.enclave = enclave;
  }

  /**
   * DANGEROUS: opens (or creates) the simulated platform in {@code platformDir} and quotes for the
   * default simulated application enclave.
   *
   * @throws QuoteProviderException {@link Reason#IO} when the platform directory cannot be opened
   */
  public static SimQuoteProvider open(Path platformDir, Clock clock) throws QuoteProviderException {
    Objects.requireNonNull(platformDir, "platformDir");
    Objects.requireNonNull(clock, "clock");
    return new SimQuoteProvider(SimSupport.openPlatform(platformDir, clock), SimSupport.defaultEnclave());
  }

  /** DANGEROUS: quotes for {@code enclave} on {@code platform}. */
  public static SimQuoteProvider create(SimPlatform platform, SimEnclave enclave) {
    return new SimQuoteProvider(Objects.requireNonNull(platform, "platform"), Objects.requireNonNull(enclave, "enclave"));
  }

  /**
   * Returns a simulated v3 quote whose report body carries {@code reportData}.
   *
   * @throws QuoteProviderException {@link Reason#INVALID_INPUT} for a REPORTDATA that is not 64
   *     bytes, {@link Reason#REJECTED} when the simulated QE refuses
   */
  @Override
  public byte[] quote(byte[] reportData) throws QuoteProviderException {
    QuotingEnclave qe = platform.quotingEnclave();
    Report report = platform.cpu().ereport(enclave, qe.targetInfo(), SimSupport.reportData(reportData));
    try {
      return qe.quote(report, QUOTE_VERSION);
    } catch (QuoteException e) {
      throw new QuoteProviderException(Reason.REJECTED, "the simulated QE refused: " + e.getMessage(), e);
    }
  }

  /** Returns {@code simulated}. */
  @Override
  public String name() {
    return "simulated";
  }

  /** Returns true. */
  @Override
  public boolean isSimulated() {
    return true;
  }

  @Override
  public String toString() {
    return "SimQuoteProvider[SIMULATED " + platform.directory() + ", MRENCLAVE " + enclave.mrEnclave().hex() + "]";
  }
}
