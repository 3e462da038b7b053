package io.kubesgx.webhook.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx webhook}. */
  public static final class Webhook implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new WebhookCommand();
    }
  }

  /** Provides {@code kubesgx webhook-bench}. */
  public static final class WebhookBench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new WebhookBenchCommand();
    }
  }

  /** Provides {@code kubesgx quote-helper-label}. */
  public static final class QuoteHelperLabel implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new QuoteHelperLabelCommand();
    }
  }
}
