package io.kubesgx.sdk;

import java.util.Map;

/**
 * Service-provider interface for quote providers packaged in other modules (the AESM provider),
 * found with {@link java.util.ServiceLoader}.
 */
public interface QuoteProviderFactory {
  /** Returns the provider kind this factory makes, such as {@code aesm}. */
  String kind();

  /**
   * Opens a provider.
   *
   * @param environment the process environment (for {@code SGX_AESM_ADDR} and similar)
   * @param reportSource where enclave REPORTs come from
   * @throws QuoteProviderException when the environment does not allow this provider
   */
  QuoteProvider open(Map<String, String> environment, ReportSource reportSource) throws QuoteProviderException;
}
