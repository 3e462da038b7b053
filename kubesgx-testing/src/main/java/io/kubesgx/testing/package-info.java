/**
 * kubesgx's test fixtures: the test presets of the {@code kubesgx-sim-pki} issuers ({@link
 * io.kubesgx.testing.TestPki}, {@link io.kubesgx.testing.TestCollateral}), synthetic DCAP quote
 * builders, the checked-in vector generator and read access to the generated vectors. Test scope
 * only: the test root's keys derive from a public seed, so it must never be trusted outside tests.
 */
package io.kubesgx.testing;
