/**
 * kubesgx's test PKI, synthetic DCAP quote and collateral builders, the checked-in vector generator
 * and read access to the generated vectors. Test scope only: the test root must never be trusted
 * outside tests, and it is never accepted as Intel.
 */
package io.kubesgx.testing;
