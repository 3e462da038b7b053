package io.kubesgx.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx quote}. */
  public static final class Quote implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new QuoteCommand();
    }
  }

  /** Provides {@code kubesgx bench}. */
  public static final class Bench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new BenchCommand();
    }
  }

  /** Provides {@code kubesgx enclave}. */
  public static final class Enclave implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new EnclaveCommand();
    }
  }

  /** Provides {@code kubesgx sim}. */
  public static final class Sim implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new SimCommand();
    }
  }

  /** Provides {@code kubesgx ratls-bench}. */
  public static final class RaTlsBench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new RaTlsBenchCommand();
    }
  }

  /** Provides {@code kubesgx ratls}. */
  public static final class RaTls implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new RaTlsCommand();
    }
  }
}
