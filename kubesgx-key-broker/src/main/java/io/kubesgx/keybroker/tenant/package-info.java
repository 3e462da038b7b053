/**
 * Tenants and callers: {@link io.kubesgx.keybroker.tenant.TenantPath} splits {@code /t/{tenant}/…}
 * off a request path, {@link io.kubesgx.keybroker.tenant.Tenants} holds each tenant's admin tokens,
 * trusted issuers and role bindings (read from a tenants file by {@link
 * io.kubesgx.keybroker.tenant.TenantsFile}), and {@link io.kubesgx.keybroker.tenant.Authenticator}
 * turns a bearer token into a {@link io.kubesgx.keybroker.tenant.Caller} of one tenant — an admin
 * token, or a Kubernetes service-account token checked by {@link
 * io.kubesgx.keybroker.tenant.ServiceAccountVerifier}.
 */
package io.kubesgx.keybroker.tenant;
