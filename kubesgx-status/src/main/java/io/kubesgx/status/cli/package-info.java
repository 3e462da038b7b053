/** The {@code kubesgx status} command and its {@link io.kubesgx.common.cli.CommandProvider}. */
package io.kubesgx.status.cli;
