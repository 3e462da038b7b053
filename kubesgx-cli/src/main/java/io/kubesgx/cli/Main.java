package io.kubesgx.cli;

import io.kubesgx.common.crypto.CryptoProviders;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code kubesgx} command line. */
@Command(
    name = "kubesgx",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "SGX confidential computing for Kubernetes: quote verification, node agent, tools.",
    subcommands = {QuoteCommand.class, BenchCommand.class, EnclaveCommand.class, SimCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  /** Exit code for a verified quote. */
  public static final int OK = 0;
  /** Exit code for a rejected quote. */
  public static final int REJECTED = 1;
  /** Exit code for usage or I/O errors. */
  public static final int USAGE_OR_IO = 2;

  private Main() {}

  /** Builds the command line with every subcommand registered. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    Extensions.register(cl);
    cl.setExitCodeExceptionMapper(t -> USAGE_OR_IO);
    return cl;
  }

  /** Runs the CLI. */
  public static void main(String[] args) {
    CryptoProviders.installPreferred();
    System.exit(commandLine().execute(args));
  }

  /** Prints the version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"kubesgx " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
