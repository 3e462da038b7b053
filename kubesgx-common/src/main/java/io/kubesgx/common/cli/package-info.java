/**
 * What every module that contributes {@code kubesgx} commands shares without depending on the CLI:
 * the {@link io.kubesgx.common.cli.CommandProvider} service interface (found with
 * {@link java.util.ServiceLoader}) and {@link io.kubesgx.common.cli.CliException}, the one exception a
 * command throws for a mistake the user can fix. JDK-only: picocli stays out of this module.
 */
package io.kubesgx.common.cli;
