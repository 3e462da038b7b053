/** The {@code kubesgx webhook} command. */
package io.kubesgx.webhook.cli;
