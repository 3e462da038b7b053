/**
 * Implementation helpers for {@code io.kubesgx.collateral} (typed JSON access, DER framing, PEM/hex
 * decoding, size limits). Not API: may change without notice.
 */
package io.kubesgx.collateral.internal;
