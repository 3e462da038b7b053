/**
 * Secrets: arbitrary values of at most 64 KiB (passwords, certificates, files) with Key Vault
 * attributes, tags and an optional release policy in the SKR grammar. {@link
 * io.kubesgx.keybroker.secrets.SecretsService} serves the Key Vault secrets REST shape; the same
 * secrets are released to attested enclaves as Trustee KBS resources by {@code keybroker.kbs}.
 */
package io.kubesgx.keybroker.secrets;
