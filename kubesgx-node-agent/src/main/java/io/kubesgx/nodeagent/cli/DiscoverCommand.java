package io.kubesgx.nodeagent.cli;

import io.kubesgx.common.json.Json;
import io.kubesgx.nodeagent.discovery.Discovery;
import io.kubesgx.nodeagent.discovery.DiscoveryOptions;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx node discover}: prints what the node agent would discover. */
@Command(name = "discover", mixinStandardHelpOptions = true,
    description = "Discover SGX device nodes, CPU features and EPC; print one description.")
public final class DiscoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--host-root", paramLabel = "DIR", defaultValue = "/",
      description = "Read DIR/dev, DIR/proc and DIR/sys (default: ${DEFAULT-VALUE}).")
  Path hostRoot;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--simulate-epc", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "Advertise SIZE of synthetic EPC (e.g. 128Mi) on a machine without SGX.")
  Long simulateEpc;

  @Override
  public Integer call() {
    if (!Files.isDirectory(hostRoot)) {
      spec.commandLine().getErr().println("error: host root " + hostRoot + " is not a directory");
      return 2;
    }
    NodeSgxInfo info = Discovery.discover(new DiscoveryOptions(new HostRoot(hostRoot),
        simulateEpc == null ? OptionalLong.empty() : OptionalLong.of(simulateEpc), 0));
    var out = spec.commandLine().getOut();
    out.print(json ? Json.write(info.toJson()) + "\n" : info.toText());
    out.flush();
    return 0;
  }
}
