/**
 * The key broker: keys released only to attested enclaves, with the Azure Key Vault Secure Key
 * Release REST shapes. Sub-packages follow the stages of a release: {@code policy} (release policies
 * over verified token claims), {@code wrap} (RSA-AES key wrap), {@code keys} (the key model),
 * {@code store} (encrypted storage and audit log), {@code http} (the REST API) and {@code cli}.
 */
package io.kubesgx.keybroker;
