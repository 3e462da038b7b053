/**
 * Parsing of MAA attestation requests: strict JSON, base64url fields, size limits, and the Open
 * Enclave report header. Nothing here is verified; the output is what the client claimed.
 */
package io.kubesgx.attestation.request;
