package io.kubesgx.nodeagent.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx node}. */
  public static final class Node implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new NodeCommand();
    }
  }

  /** Provides {@code kubesgx node-agent}. */
  public static final class Agent implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new NodeAgentCommand();
    }
  }
}
