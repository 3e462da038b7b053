/**
 * SGX enclave structures in Java: the MRENCLAVE measurement stream and {@code .sgxs} images,
 * SIGSTRUCT parsing, verification and signing (MRSIGNER), and the REPORT, TARGETINFO and KEYREQUEST
 * layouts. Everything here is JDK-only; untrusted bytes go through {@link
 * io.kubesgx.common.ByteReader} and fail with {@link io.kubesgx.common.MalformedInputException}. The
 * simulated CPU that uses these structures lives in {@link io.kubesgx.enclave.sim}.
 */
package io.kubesgx.enclave;
