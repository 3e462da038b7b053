package io.kubesgx.cli;

import picocli.CommandLine;

/** Registers subcommands contributed by service modules (node agent, attestation service, quote helper) when they are on the class path. */
final class Extensions {
  private static final String[] OPTIONAL = {
    "io.kubesgx.nodeagent.cli.NodeCommand", "io.kubesgx.nodeagent.cli.NodeAgentCommand",
    "io.kubesgx.attestation.cli.AttestationServiceCommand", "io.kubesgx.attestation.cli.AttestationBenchCommand",
    "io.kubesgx.attestation.cli.CollateralCommand",
    "io.kubesgx.quotehelper.cli.QuoteHelperCommand", "io.kubesgx.quotehelper.cli.QuoteHelperBenchCommand",
    "io.kubesgx.webhook.cli.WebhookCommand", "io.kubesgx.webhook.cli.WebhookBenchCommand",
    "io.kubesgx.webhook.cli.QuoteHelperLabelCommand",
  };

  /** Subcommands added under an existing command: {parent, class}. */
  private static final String[][] NESTED = {
    {"quote", "io.kubesgx.quotehelper.cli.QuoteGetCommand"},
  };

  private Extensions() {}

  static void register(CommandLine cl) {
    for (String name : OPTIONAL) {
      try {
        Class<?> c = Class.forName(name);
        cl.addSubcommand(c.getDeclaredConstructor().newInstance());
      } catch (ClassNotFoundException e) {
        // module not on the class path: the command is simply not offered
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot register " + name, e);
      }
    }
    for (String[] n : NESTED) {
      try {
        Class<?> c = Class.forName(n[1]);
        cl.getSubcommands().get(n[0]).addSubcommand(c.getDeclaredConstructor().newInstance());
      } catch (ClassNotFoundException e) {
        // module not on the class path
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot register " + n[1], e);
      }
    }
  }
}
