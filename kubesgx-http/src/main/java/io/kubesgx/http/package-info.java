/**
 * Bounds for Vert.x HTTP servers that face hostile clients: a connection limit, absolute deadlines
 * for request heads and whole requests (not idle timers), and one budget of buffered body bytes
 * shared by all requests ({@link io.kubesgx.http.BoundedHttp}, configured by {@link
 * io.kubesgx.http.HttpLimits}). Every refusal is a {@link io.kubesgx.http.Refusal}.
 */
package io.kubesgx.http;
