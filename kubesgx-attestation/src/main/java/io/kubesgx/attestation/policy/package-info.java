/**
 * Stored attestation policies: the policy JWS documents MAA clients send, who may change them
 * (policy signers or an administrator token), the default policy, the policy hash, and the
 * policy store (SQLite embedded, PostgreSQL for replicas) with its append-only audit log.
 */
package io.kubesgx.attestation.policy;
