/**
 * Gramine secret provisioning from the key broker: a mutual-TLS listener speaking Gramine's
 * {@code secret_prov} wire protocol, where the client's RA-TLS certificate is verified here and the
 * secret is chosen among the tenant's opted-in secrets by their release policies. Every attempt is
 * audited in the broker's hash-chained audit log.
 */
package io.kubesgx.keybroker.secretprov;
