/**
 * The Secure Key Release key wrap: RSA-OAEP of a fresh AES-256 key-encryption key to the enclave's
 * transfer key, followed by the RFC 5649 wrap of the released key, for the three {@code enc} values.
 */
package io.kubesgx.keybroker.wrap;
