/**
 * The AESM socket protocol: length-prefixed proto2 {@code aesm.message} frames over a UNIX stream
 * socket, a client for the out-of-process DCAP quoting calls, attestation key IDs, and the
 * {@code aesm} quote provider for the SDK.
 */
package io.kubesgx.aesm;
