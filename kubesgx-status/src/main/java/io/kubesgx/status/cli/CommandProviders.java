package io.kubesgx.status.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx status}. */
  public static final class Status implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new StatusCommand();
    }
  }
}
