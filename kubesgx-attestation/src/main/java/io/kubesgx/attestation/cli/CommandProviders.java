package io.kubesgx.attestation.cli;

import io.kubesgx.common.cli.CommandProvider;

/** The {@code kubesgx} commands of this module, registered in {@code META-INF/services} for the CLI's {@link java.util.ServiceLoader}. */
public final class CommandProviders {
  private CommandProviders() {}

  /** Provides {@code kubesgx attestation-service}. */
  public static final class Service implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new AttestationServiceCommand();
    }
  }

  /** Provides {@code kubesgx attestation-bench}. */
  public static final class Bench implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new AttestationBenchCommand();
    }
  }

  /** Provides {@code kubesgx collateral}. */
  public static final class Collateral implements CommandProvider {
    @Override
    public String parent() {
      return TOP_LEVEL;
    }

    @Override
    public Object command() {
      return new CollateralCommand();
    }
  }
}
