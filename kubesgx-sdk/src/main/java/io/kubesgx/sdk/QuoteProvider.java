package io.kubesgx.sdk;

/**
 * A source of DCAP quotes for the calling enclave application.
 *
 * <p>Implementations are thread-safe. A provider never caches "unavailable": every call tries again
 * (with the provider's own bounded retry), so an application that started before its quote helper
 * recovers as soon as the helper is there.
 */
public interface QuoteProvider extends AutoCloseable {
  /** Size of the REPORTDATA field every quote binds. */
  int REPORT_DATA_SIZE = 64;

  /**
   * Returns a DCAP quote whose enclave report carries {@code reportData} as REPORTDATA.
   *
   * @param reportData exactly {@link #REPORT_DATA_SIZE} bytes
   * @throws QuoteProviderException with a reason and a message that says what to fix
   */
  byte[] quote(byte[] reportData) throws QuoteProviderException;

  /** Returns a short name for logs and diagnostics, such as {@code gramine-dcap} or {@code aesm}. */
  String name();

  /** Returns true when quotes come from the software simulation (never trusted by default). */
  boolean isSimulated();

  /** Releases resources; the default does nothing. */
  @Override
  default void close() {}
}
