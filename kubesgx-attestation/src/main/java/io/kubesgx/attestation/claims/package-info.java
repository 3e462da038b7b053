/**
 * Claims derived from a verified quote and its bindings: the MAA claim set ({@code x-ms-*}) plus
 * kubesgx's own ({@code x-kubesgx-*}: TCB status, advisories, QE status, collateral expiry,
 * simulation), both as policy input and as token content.
 */
package io.kubesgx.attestation.claims;
