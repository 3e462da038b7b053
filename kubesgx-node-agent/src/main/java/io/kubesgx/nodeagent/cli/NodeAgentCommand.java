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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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

  @Option(names = "--metrics-bind", paramLabel = "ADDR", defaultValue = NodeAgentConfig.DEFAULT_METRICS_BIND,
      description = "Address of the /healthz, /readyz and /metrics endpoint; 0.0.0.0 for kubelet probes "
          + "and Prometheus from outside the pod (default: ${DEFAULT-VALUE}).")
  String metricsBind;

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
        throw new IllegalArgumentException("--host-root " + hostRoot + " is not a directory");
      }
      if (Files.exists(kubeletDir) && !Files.isDirectory(kubeletDir)) {
        throw new IllegalArgumentException("--kubelet-dir " + kubeletDir + " is a file; give the kubelet's device-plugin directory");
      }
      if (metricsPort > 65535) {
        throw new IllegalArgumentException("--metrics-port must be -1 (off) or 0..65535");
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
          .metricsBind(metricsBind)
          .epcResource(io.kubesgx.common.sgx.EpcResource.parse(epcResource))
          .build();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    KubernetesClient client = noKubeApi ? null : new KubernetesClientBuilder().build();
    // SIGTERM runs this hook: it waits for a start in progress, closes the plugins (their sockets
    // are removed), then ends with status 0 instead of the JVM's 143, as the docs promise; halt is
    // the only way to choose the status from a hook. Registered before the start so that a SIGTERM
    // during the start cannot leave sockets behind.
    AtomicReference<NodeAgent> started = new AtomicReference<>();
    CountDownLatch startDone = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        if (startDone.await(60, TimeUnit.SECONDS) && started.get() != null) {
          started.get().close();
        }
        closeClient(client);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        System.err.flush();
        Runtime.getRuntime().halt(0);
      }
    }, "kubesgx-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    NodeAgent agent;
    try {
      agent = NodeAgent.start(cfg, Optional.ofNullable(client));
      started.set(agent);
    } catch (java.net.BindException e) {
      failedStart(hook, startDone, client);
      spec.commandLine().getErr().println("error: cannot listen on " + metricsBind + ":" + metricsPort
          + " (" + e.getMessage() + "): choose another --metrics-port (-1 disables it) or --metrics-bind");
      return 2;
    } catch (IOException e) {
      failedStart(hook, startDone, client);
      spec.commandLine().getErr().println("error: " + io.kubesgx.common.cli.CliException.describe(e));
      return 2;
    } catch (RuntimeException e) {
      failedStart(hook, startDone, client);
      spec.commandLine().getErr().println("error: " + e);
      return 1;
    } finally {
      startDone.countDown();
    }
    try {
      new CountDownLatch(1).await(); // until SIGTERM: the hook ends the process
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failedStart(hook, startDone, client);
      agent.close();
      return 0;
    }
  }

  /** Unregisters the hook (a failure must not end with status 0) and closes the client. */
  private static void failedStart(Thread hook, CountDownLatch startDone, KubernetesClient client) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs and ends the process
    }
    startDone.countDown();
    closeClient(client);
  }

  private static void closeClient(KubernetesClient client) {
    if (client != null) {
      client.close();
    }
  }

  /** Runs the agent directly, e.g. for benchmarking. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new NodeAgentCommand()).execute(args));
  }
}
