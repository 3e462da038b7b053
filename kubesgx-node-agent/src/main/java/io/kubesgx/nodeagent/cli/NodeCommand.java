package io.kubesgx.nodeagent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kubesgx node}: node-level SGX commands. */
@Command(
    name = "node",
    description = "Inspect SGX on this node.",
    mixinStandardHelpOptions = true,
    subcommands = {DiscoverCommand.class, BenchCommand.class, KubeletDemoCommand.class})
public final class NodeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** Runs the command on its own (for development). */
  public static void main(String[] args) {
    System.exit(new CommandLine(new NodeCommand()).execute(args));
  }
}
