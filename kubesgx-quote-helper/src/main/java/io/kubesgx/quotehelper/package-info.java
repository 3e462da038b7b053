/**
 * The quote helper: an AESM-compatible UNIX-socket server for out-of-process quoting, answering
 * with the simulated platform's QE ({@link io.kubesgx.quotehelper.SimBackend}) or relaying to Intel's
 * {@code aesm_service} ({@link io.kubesgx.quotehelper.RelayBackend}), with metrics and health.
 */
package io.kubesgx.quotehelper;
