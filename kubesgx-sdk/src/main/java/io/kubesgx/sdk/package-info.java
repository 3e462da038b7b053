/**
 * The Java SDK for enclave applications: how an application obtains a quote ({@link
 * io.kubesgx.sdk.QuoteProvider}: Gramine's {@code /dev/attestation}, the AESM socket of the node's
 * quote helper, or the simulated platform), and how it turns a quote into a token and checks tokens
 * ({@link io.kubesgx.sdk.attestation}).
 *
 * <p>{@link io.kubesgx.sdk.QuoteProviders#auto()} picks the provider that fits the environment and
 * caches nothing. The SDK has no server dependencies; the AESM provider lives in {@code
 * kubesgx-aesm} and is found through {@link io.kubesgx.sdk.QuoteProviderFactory} with {@link
 * java.util.ServiceLoader}, and the simulated platform is the optional {@code kubesgx-sim}.
 */
package io.kubesgx.sdk;
