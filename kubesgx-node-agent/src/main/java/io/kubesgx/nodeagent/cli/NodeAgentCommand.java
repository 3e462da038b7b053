package io.kubesgx.nodeagent.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubesgx.nodeagent.NodeAgent;
import io.kubesgx.nodeagent.NodeAgentConfig;
import io.kubesgx.nodeagent.deviceplugin.AllocationPolicy;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.registration.Taint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kubesgx node-agent}: runs the node agent until SIGTERM. */
@Command(name = "node-agent", mixinStandardHelpOptions = true,
    description = "Run the SGX node agent: device plugins, node registration, EPC enforcement.")
public final class NodeAgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--kubelet-dir", paramLabel = "DIR",
      defaultValue = "/var/lib/kubelet/device-plugins",
      description = "Kubelet device-plugin directory (default: ${DEFAULT-VALUE}).")
  Path kubeletDir;

  @Option(names = "--host-root", paramLabel = "DIR", defaultValue = "/",
      description = "Where the host's /dev, /proc and /sys are mounted (default: ${DEFAULT-VALUE}).")
  Path hostRoot;

  @Option(names = "--simulate-epc", paramLabel = "SIZE", converter = SizeConverter.class,
      description = "Simulate SIZE of EPC (e.g. 128Mi) on a machine without SGX.")
  Long simulateEpc;

  @Option(names = "--no-kube-api", description = "Do not talk to the Kubernetes API (no labels, "
      + "no sgx.intel.com/epc capacity, no taint removal, no EPC enforcement).")
  boolean noKubeApi;

  @Option(names = "--node-name", paramLabel = "NAME", defaultValue = "${env:NODE_NAME}",
      description = "Node object name (default: env NODE_NAME).")
  String nodeName;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      defaultValue = "" + NodeAgentConfig.DEFAULT_METRICS_PORT,
      description = "Port for /healthz, /readyz and /metrics; -1 disables (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--quote-helper", description = "Allocate mounts the AESM socket directory and "
      + "sets SGX_AESM_ADDR=1 (out-of-process quoting through the quote helper).")
  boolean quoteHelper;

  @Option(names = "--aesm-dir", paramLabel = "DIR", defaultValue = AllocationPolicy.DEFAULT_AESM_DIR,
      description = "AESM socket directory (default: ${DEFAULT-VALUE}).")
  String aesmDir;

  @Option(names = "--enclave-slots", paramLabel = "N",
      defaultValue = "" + NodeAgentConfig.DEFAULT_SLOTS,
      description = "sgx.intel.com/enclave share slots; 0 disables (default: ${DEFAULT-VALUE}).")
  int enclaveSlots;

  @Option(names = "--provision-slots", paramLabel = "N",
      defaultValue = "" + NodeAgentConfig.DEFAULT_SLOTS,
      description = "sgx.intel.com/provision share slots; 0 disables (default: ${DEFAULT-VALUE}).")
  int provisionSlots;

  @Option(names = "--cdi", paramLabel = "KIND",
      description = "Also return CDI devices KIND=enclave / KIND=provision (e.g. kubesgx.io/sgx).")
  String cdiKind;

  @Option(names = "--device-aliases", description = "Also expose device nodes under the other "
      + "driver generation's path (/dev/sgx_enclave <-> /dev/sgx/enclave).")
  boolean aliases;

  @Option(names = "--startup-taint", paramLabel = "TAINT", defaultValue = Taint.DEFAULT_STARTUP,
      description = "Taint removed once EPC is advertised; 'none' disables (default: ${DEFAULT-VALUE}).")
  String startupTaint;

  @Option(names = "--max-epc-devices", paramLabel = "N", defaultValue = "" + Long.MAX_VALUE,
      description = "Cap the per-MiB EPC devices (the 4 MiB message limit always applies).")
  long maxEpcDevices;

  @Option(names = "--epc-resource", paramLabel = "azure|intel", defaultValue = "intel",
      description = "The cluster's canonical EPC resource, the only one advertised (same option "
          + "as the webhook's): intel = sgx.intel.com/epc node capacity in bytes, azure = "
          + "kubernetes.azure.com/sgx_epc_mem_in_MiB, one device per MiB (default: ${DEFAULT-VALUE}).")
  String epcResource;

  @Option(names = "--no-epc-enforcement", description = "Never write misc.max sgx_epc limits.")
  boolean noEnforcement;

  @Override
  public Integer call() {
    NodeAgentConfig cfg;
    try {
      if (!Files.isDirectory(hostRoot)) {
        throw new IllegalArgumentException("host root " + hostRoot + " is not a directory");
      }
      cfg = NodeAgentConfig.builder()
          .hostRoot(new HostRoot(hostRoot))
          .simulateEpcBytes(simulateEpc == null ? OptionalLong.empty() : OptionalLong.of(simulateEpc))
          .plugins(PluginSupervisor.Config.defaults(kubeletDir))
          .policy(new AllocationPolicy(quoteHelper, aesmDir, Optional.ofNullable(cdiKind), aliases))
          .enclaveSlots(enclaveSlots)
          .provisionSlots(provisionSlots)
          .maxEpcDevices(maxEpcDevices)
          .kubeApi(!noKubeApi)
          .nodeName(nodeName)
          .startupTaint(startupTaint.equals("none") ? Optional.empty()
              : Optional.of(Taint.parse(startupTaint)))
          .enforceEpc(!noEnforcement)
          .metricsPort(metricsPort)
          .epcResource(io.kubesgx.common.sgx.EpcResource.parse(epcResource))
          .build();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    KubernetesClient client = noKubeApi ? null : new KubernetesClientBuilder().build();
    CountDownLatch stop = new CountDownLatch(1);
    try (NodeAgent agent = NodeAgent.start(cfg, Optional.ofNullable(client))) {
      Thread hook = new Thread(stop::countDown, "kubesgx-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      stop.await();
      return 0;
    } catch (IOException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("error: " + e);
      return 1;
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }

  /** Runs the agent directly, e.g. for benchmarking. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new NodeAgentCommand()).execute(args));
  }
}
