/**
 * DANGEROUS: quotes and reports from the software-simulated SGX platform ({@code kubesgx-sim}), for
 * development and tests only; they chain to a simulation root that no production verifier trusts.
 *
 * <p>{@code kubesgx-sim} is an optional dependency of the SDK: add {@code io.kubesgx:kubesgx-sim}
 * to use this package.
 */
package io.kubesgx.sdk.sim;
