/**
 * The attestation service's logic, independent of HTTP: request → collateral → verification →
 * bindings and claims → policy → token; policy management; OIDC metadata.
 */
package io.kubesgx.attestation.service;
