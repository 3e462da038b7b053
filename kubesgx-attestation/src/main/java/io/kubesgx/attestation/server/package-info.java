/**
 * Assembly of a running attestation service from its settings: trust anchors (Intel, plus a
 * simulated platform's root only when asked), collateral service (PCS/PCCS, or the simulated
 * platform's PCS), signing keys, policy store, and the HTTP server.
 */
package io.kubesgx.attestation.server;
