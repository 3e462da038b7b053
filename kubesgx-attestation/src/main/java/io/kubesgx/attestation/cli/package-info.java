/** The {@code kubesgx attestation-service} command. */
package io.kubesgx.attestation.cli;
