/**
 * The HTTP face of the attestation service: MAA's routes and error bodies ({@link
 * io.kubesgx.attestation.http.ApiRouter}, framework-agnostic), served by Vert.x with request-size
 * limits and a bounded work queue that answers 429 under overload ({@link
 * io.kubesgx.attestation.http.HttpApi}), plus health and Prometheus metrics.
 */
package io.kubesgx.attestation.http;
