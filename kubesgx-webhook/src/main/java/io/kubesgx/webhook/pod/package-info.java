/**
 * Parsing of AdmissionReview v1 requests into records and serialisation of responses; bounded
 * parsing of Kubernetes resource quantities.
 */
package io.kubesgx.webhook.pod;
