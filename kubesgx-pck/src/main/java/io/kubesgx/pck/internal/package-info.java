/**
 * Implementation details of {@code io.kubesgx.pck}: a small strict big-endian DER reader. Not API;
 * may change without notice.
 */
package io.kubesgx.pck.internal;
