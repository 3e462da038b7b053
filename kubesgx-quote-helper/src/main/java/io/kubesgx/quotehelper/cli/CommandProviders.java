package io.kubesgx.quotehelper.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx quote-helper}. */
  public static final class Helper implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new QuoteHelperCommand();
    }
  }

  /** Provides {@code kubesgx quote-helper-bench}. */
  public static final class Bench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new QuoteHelperBenchCommand();
    }
  }

  /** Provides {@code kubesgx quote get}. */
  public static final class QuoteGet implements CommandProvider {
    @Override
    public String parent() {
      return "quote";
    }

    @Override
    public Object command() {
      return new QuoteGetCommand();
    }
  }
}
