/** Deterministic P-256 key derivation and RFC 6979 ECDSA behind the issuers; not API. */
package io.kubesgx.sim.pki.internal;
