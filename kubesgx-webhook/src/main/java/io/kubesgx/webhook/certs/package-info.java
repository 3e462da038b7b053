/**
 * The webhook's own serving certificate: a self-managed CA and serving certificate kept in one
 * Secret shared by all replicas (optimistic concurrency), {@code caBundle} patched into the webhook
 * configurations, rotation before expiry; and the webhook configuration objects themselves.
 */
package io.kubesgx.webhook.certs;
