/** Deterministic ECDSA and little-endian encoding helpers behind the test builders; not API. */
package io.kubesgx.testing.internal;
