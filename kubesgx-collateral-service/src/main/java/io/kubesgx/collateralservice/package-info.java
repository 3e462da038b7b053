/**
 * The collateral service: fetches DCAP verification collateral (TCB info, QE identity, PCK CRL and
 * root CA CRL) from Intel PCS v4 or a PCCS, caches it in memory and on disk bounded by its
 * {@code nextUpdate}, refreshes it ahead of expiry, serves it stale for a bounded time when the PCS
 * is down, rate-limits outbound calls and imports and exports offline bundles. It only parses
 * collateral; the verifier checks signatures, chains and validity.
 */
package io.kubesgx.collateralservice;
