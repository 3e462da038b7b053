/**
 * Crypto provider selection (Amazon Corretto Crypto Provider when it loads, the JDK otherwise) and
 * the few ECDSA P-256 helpers DCAP needs (raw r‖s signatures, X‖Y public keys).
 */
package io.kubesgx.common.crypto;
