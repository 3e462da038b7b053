/**
 * Implementation details of the enclave module (AES-128-CMAC, little-endian helpers, RSA key DER and
 * PEM codecs); not part of the public API and may change without notice.
 */
package io.kubesgx.enclave.internal;
