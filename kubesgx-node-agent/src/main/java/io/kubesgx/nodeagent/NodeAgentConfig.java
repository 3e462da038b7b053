package io.kubesgx.nodeagent;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.nodeagent.deviceplugin.AllocationPolicy;
import io.kubesgx.nodeagent.deviceplugin.EpcPlan;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.registration.Taint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything the node agent needs to run; build with {@link #builder()}.
 *
 * @param hostRoot where the host's {@code /dev}, {@code /proc} and {@code /sys} are visible
 * @param simulateEpcBytes synthetic EPC for machines without SGX
 * @param plugins kubelet directory and timings of the device plugins
 * @param policy what Allocate adds besides device nodes
 * @param enclaveSlots {@code sgx.intel.com/enclave} share slots (0 disables the plugin)
 * @param provisionSlots {@code sgx.intel.com/provision} share slots (0 disables the plugin)
 * @param maxEpcDevices maximum per-MiB EPC devices advertised
 * @param epcMessageBudget maximum serialized size of one EPC ListAndWatch message
 * @param kubeApi register the node through the Kubernetes API
 * @param nodeName the Node object's name (required with {@code kubeApi})
 * @param startupTaint taint removed once EPC is advertised
 * @param enforceEpc set {@code misc.max} for EPC-requesting containers where possible
 * @param metricsPort HTTP port for health and metrics; negative disables it
 * @param metricsBind address the health and metrics endpoint listens on
 * @param registrationInterval steady-state period of node reconciliation
 * @param enforcementInterval period of EPC limit reconciliation
 * @param epcResource the cluster's canonical EPC resource: the only one advertised (one EPC
 *     accounting; the webhook takes the same option)
 */
public record NodeAgentConfig(
    HostRoot hostRoot,
    OptionalLong simulateEpcBytes,
    PluginSupervisor.Config plugins,
    AllocationPolicy policy,
    int enclaveSlots,
    int provisionSlots,
    long maxEpcDevices,
    int epcMessageBudget,
    boolean kubeApi,
    Optional<String> nodeName,
    Optional<Taint> startupTaint,
    boolean enforceEpc,
    int metricsPort,
    String metricsBind,
    Duration registrationInterval,
    Duration enforcementInterval,
    EpcResource epcResource) {

  /** Intel's default share-slot count (kubernetes-sgx.md §4.1). */
  public static final int DEFAULT_SLOTS = 110;
  /** Default health and metrics port. */
  public static final int DEFAULT_METRICS_PORT = 8478;
  /** Default address of the health and metrics endpoint (loopback, like the other services). */
  public static final String DEFAULT_METRICS_BIND = "127.0.0.1";

  /** Validates the configuration. */
  public NodeAgentConfig {
    Objects.requireNonNull(hostRoot, "hostRoot");
    Objects.requireNonNull(plugins, "plugins");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(metricsBind, "metricsBind");
    Objects.requireNonNull(epcResource, "epcResource");
    if (enclaveSlots < 0 || provisionSlots < 0 || maxEpcDevices < 0) {
      throw new IllegalArgumentException("slot and device counts must not be negative");
    }
    if (epcMessageBudget <= 0 || epcMessageBudget > EpcPlan.KUBELET_MAX_MESSAGE) {
      throw new IllegalArgumentException("EPC message budget must be in (0, 4 MiB]");
    }
    if (kubeApi && nodeName.map(String::isBlank).orElse(true)) {
      throw new IllegalArgumentException(
          "the node name is required with the Kubernetes API (--node-name or env NODE_NAME)");
    }
  }

  /** Returns a builder with production defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder with safe defaults: real discovery, no quote helper, API registration on. */
  public static final class Builder {
    private HostRoot hostRoot = HostRoot.SYSTEM;
    private OptionalLong simulateEpcBytes = OptionalLong.empty();
    private PluginSupervisor.Config plugins =
        PluginSupervisor.Config.defaults(Path.of("/var/lib/kubelet/device-plugins"));
    private AllocationPolicy policy = AllocationPolicy.DEFAULT;
    private int enclaveSlots = DEFAULT_SLOTS;
    private int provisionSlots = DEFAULT_SLOTS;
    private long maxEpcDevices = Long.MAX_VALUE;
    private int epcMessageBudget = EpcPlan.DEFAULT_BUDGET;
    private boolean kubeApi = true;
    private Optional<String> nodeName = Optional.empty();
    private Optional<Taint> startupTaint = Optional.of(Taint.parse(Taint.DEFAULT_STARTUP));
    private boolean enforceEpc = true;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private String metricsBind = DEFAULT_METRICS_BIND;
    private Duration registrationInterval = Duration.ofSeconds(30);
    private Duration enforcementInterval = Duration.ofSeconds(10);
    private EpcResource epcResource = EpcResource.DEFAULT;

    /** Sets the canonical EPC resource (the only one advertised). */
    public Builder epcResource(EpcResource v) {
      epcResource = v;
      return this;
    }

    /** Sets the host root. */
    public Builder hostRoot(HostRoot v) {
      hostRoot = v;
      return this;
    }

    /** Simulates EPC of the given size. */
    public Builder simulateEpcBytes(OptionalLong v) {
      simulateEpcBytes = v;
      return this;
    }

    /** Sets the device-plugin directory and timings. */
    public Builder plugins(PluginSupervisor.Config v) {
      plugins = v;
      return this;
    }

    /** Sets the allocation policy. */
    public Builder policy(AllocationPolicy v) {
      policy = v;
      return this;
    }

    /** Sets the enclave share-slot count. */
    public Builder enclaveSlots(int v) {
      enclaveSlots = v;
      return this;
    }

    /** Sets the provision share-slot count. */
    public Builder provisionSlots(int v) {
      provisionSlots = v;
      return this;
    }

    /** Caps the number of EPC devices. */
    public Builder maxEpcDevices(long v) {
      maxEpcDevices = v;
      return this;
    }

    /** Sets the EPC message budget in bytes. */
    public Builder epcMessageBudget(int v) {
      epcMessageBudget = v;
      return this;
    }

    /** Enables or disables Kubernetes API registration. */
    public Builder kubeApi(boolean v) {
      kubeApi = v;
      return this;
    }

    /** Sets the node name. */
    public Builder nodeName(String v) {
      nodeName = Optional.ofNullable(v).filter(s -> !s.isBlank());
      return this;
    }

    /** Sets (or with empty, disables) the startup taint. */
    public Builder startupTaint(Optional<Taint> v) {
      startupTaint = v;
      return this;
    }

    /** Enables or disables EPC enforcement. */
    public Builder enforceEpc(boolean v) {
      enforceEpc = v;
      return this;
    }

    /** Sets the metrics port (negative disables). */
    public Builder metricsPort(int v) {
      metricsPort = v;
      return this;
    }

    /** Sets the address of the health and metrics endpoint (default 127.0.0.1). */
    public Builder metricsBind(String v) {
      metricsBind = v;
      return this;
    }

    /** Sets the node reconciliation period. */
    public Builder registrationInterval(Duration v) {
      registrationInterval = v;
      return this;
    }

    /** Sets the enforcement period. */
    public Builder enforcementInterval(Duration v) {
      enforcementInterval = v;
      return this;
    }

    /** Builds and validates the configuration. */
    public NodeAgentConfig build() {
      return new NodeAgentConfig(hostRoot, simulateEpcBytes, plugins, policy, enclaveSlots,
          provisionSlots, maxEpcDevices, epcMessageBudget, kubeApi, nodeName, startupTaint,
          enforceEpc, metricsPort, metricsBind, registrationInterval, enforcementInterval, epcResource);
    }
  }
}
