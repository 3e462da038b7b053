/**
 * The webhook's HTTPS server: a framework-agnostic {@link io.kubesgx.webhook.http.AdmissionHandler}
 * (body in, AdmissionReview out), its Prometheus metrics, and a hardened Vert.x server whose limits
 * are all in {@link io.kubesgx.webhook.http.ServerLimits} (connections, deadlines and bodies enforced
 * through {@code io.kubesgx.http.BoundedHttp}).
 */
package io.kubesgx.webhook.http;
