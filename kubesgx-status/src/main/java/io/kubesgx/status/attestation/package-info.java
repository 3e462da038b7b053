/**
 * Reads the attestation service's {@code GET /status}: through the API server's service proxy (the
 * default) or from a URL, with a bounded body and a deadline, and parses it strictly into an
 * {@link io.kubesgx.status.AttestationStatus}.
 */
package io.kubesgx.status.attestation;
