/**
 * The Key Vault-compatible REST API: {@link io.kubesgx.keybroker.http.KeyVaultService} holds the
 * semantics of each operation (independent of HTTP), {@link io.kubesgx.keybroker.http.KeyBrokerServer}
 * serves it with Vert.x within the bounds of {@link io.kubesgx.keybroker.http.ServerLimits}
 * (the HTTP ones enforced by {@link io.kubesgx.http.BoundedHttp}).
 */
package io.kubesgx.keybroker.http;
