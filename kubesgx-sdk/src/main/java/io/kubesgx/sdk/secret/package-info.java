/**
 * Getting keys and secrets released to an attested enclave: {@link
 * io.kubesgx.sdk.secret.SecretClient} speaks Azure Key Vault's Secure Key Release (our key broker
 * and Key Vault / Managed HSM), {@link io.kubesgx.sdk.secret.KbsClient} the Trustee KBS protocol.
 * Both keep the enclave's transfer key in this process and verify what they receive.
 */
package io.kubesgx.sdk.secret;
