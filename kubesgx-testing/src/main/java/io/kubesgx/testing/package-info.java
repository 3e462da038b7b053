/**
 * kubesgx's test fixtures: the test presets of the {@code kubesgx-sim-pki} issuers ({@link
 * io.kubesgx.testing.TestPki}, {@link io.kubesgx.testing.TestCollateral}), synthetic DCAP quote
 * builders, the checked-in vector generator, read access to the generated vectors, and a throwaway
 * PostgreSQL server ({@link io.kubesgx.testing.PostgresFixture}). Test scope
 * only: the test root's keys derive from a public seed, so it must never be trusted outside tests.
 */
package io.kubesgx.testing;
