/**
 * Stored attestation policies: the policy JWS documents MAA clients send, who may change them
 * (policy signers or an administrator token), the default policy, the policy hash, and the
 * policy store (SQLite embedded, PostgreSQL for replicas) with its append-only audit log of who sent
 * and who signed each change, and the per-type high-water mark of signed {@code iat}s that keeps
 * signed policies from being replayed.
 */
package io.kubesgx.attestation.policy;
