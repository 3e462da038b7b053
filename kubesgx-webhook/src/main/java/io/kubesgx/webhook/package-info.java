/**
 * The kubesgx admission webhook: SGX pods get the canonical EPC resource, device slots, the quote
 * helper socket and SGX-pool steering; pods without SGX requests are never touched. Stages live in
 * sub-packages: {@code pod} (AdmissionReview parsing), {@code rules} (decisions), {@code http}
 * (HTTPS server), {@code certs} (serving certificate and Kubernetes registration), {@code cli}.
 */
package io.kubesgx.webhook;
