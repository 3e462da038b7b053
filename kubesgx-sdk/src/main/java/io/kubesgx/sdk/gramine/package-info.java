/**
 * Quotes and reports from inside a Gramine enclave through its {@code /dev/attestation} pseudo
 * files: plain file writes and reads, no native code.
 *
 * <p>Those files are process-global state (a write to {@code user_report_data} changes what every
 * thread reads next from {@code quote} or {@code report}), so every write-then-read sequence in this
 * package runs under one process-wide lock.
 */
package io.kubesgx.sdk.gramine;
