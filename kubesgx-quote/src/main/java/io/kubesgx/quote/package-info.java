/**
 * Structural parsing of Intel DCAP quotes (v3 SGX, v4 SGX/TDX 1.0, v5 with SGX, TD 1.0 and TD 1.5
 * bodies) into immutable records. Parsing checks layout only; cryptography and policy live in the
 * verifier. Layouts follow {@code sgx_quote_3.h}, {@code sgx_quote_4.h} and {@code sgx_quote_5.h}.
 */
package io.kubesgx.quote;
