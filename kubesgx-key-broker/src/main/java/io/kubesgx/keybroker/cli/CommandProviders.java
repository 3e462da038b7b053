package io.kubesgx.keybroker.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx key-broker} (with {@code key-broker audit verify|export}, {@code key-broker kek rotate|id} and {@code key-broker release}). */
  public static final class KeyBroker implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new KeyBrokerCommand();
    }
  }

  /** Provides {@code kubesgx key-broker-bench}. */
  public static final class KeyBrokerBench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new KeyBrokerBenchCommand();
    }
  }
}
