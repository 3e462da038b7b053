package io.kubesgx.nodeagent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubesgx.nodeagent.deviceplugin.DevicePlugin;
import io.kubesgx.nodeagent.deviceplugin.DeviceRole;
import io.kubesgx.nodeagent.deviceplugin.DeviceSet;
import io.kubesgx.nodeagent.deviceplugin.EpcPlan;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.deviceplugin.UdsTransport;
import io.kubesgx.nodeagent.discovery.Discovery;
import io.kubesgx.nodeagent.discovery.DiscoveryOptions;
import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import io.kubesgx.nodeagent.enforcement.CgroupLocator;
import io.kubesgx.nodeagent.enforcement.EpcEnforcer;
import io.kubesgx.nodeagent.enforcement.PodEpcExtractor;
import io.kubesgx.nodeagent.registration.Fabric8NodeApi;
import io.kubesgx.nodeagent.registration.NodeApi;
import io.kubesgx.nodeagent.registration.NodeRegistrar;
import io.kubesgx.nodeagent.server.HealthServer;
import io.kubesgx.nodeagent.server.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: discovery, device plugins, node registration, EPC enforcement, health.
 *
 * <pre>{@code
 * try (NodeAgent agent = NodeAgent.start(config, Optional.of(client))) {
 *   // runs until closed
 * }
 * }</pre>
 *
 * <p>Kubernetes API failures never stop the device plugins: node registration retries in its own
 * loop with backoff and reports its last error on {@code /readyz} and in metrics.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

  private final NodeAgentConfig config;
  private final NodeSgxInfo info;
  private final EpcPlan epcPlan;
  private final PluginSupervisor supervisor;
  private final Optional<NodeRegistrar> registrar;
  private final Optional<EpcEnforcer> enforcer;
  private final ScheduledExecutorService loop;
  private final AtomicReference<NodeRegistrar.Outcome> lastOutcome = new AtomicReference<>();
  private final AtomicLong registrationFailures = new AtomicLong();
  private HealthServer http;

  private NodeAgent(NodeAgentConfig config, NodeSgxInfo info, EpcPlan plan,
      PluginSupervisor supervisor, Optional<NodeRegistrar> registrar,
      Optional<EpcEnforcer> enforcer) {
    this.config = config;
    this.info = info;
    this.epcPlan = plan;
    this.supervisor = supervisor;
    this.registrar = registrar;
    this.enforcer = enforcer;
    this.loop = Executors.newSingleThreadScheduledExecutor(
        UdsTransport.daemonFactory("kubesgx-agent"));
  }

  /** Discovers, then starts every part; {@code client} is required when the API is enabled. */
  public static NodeAgent start(NodeAgentConfig config, Optional<KubernetesClient> client)
      throws IOException {
    NodeSgxInfo info = Discovery.discover(new DiscoveryOptions(config.hostRoot(),
        config.simulateEpcBytes(), 0));
    LOG.info("SGX discovery:\n{}", info.toText().stripTrailing());
    for (String p : info.problems()) {
      LOG.warn("discovery problem (continuing with what could be read): {}", p);
    }
    // Only sysfs knows which NUMA node holds which EPC; other sources advertise no topology.
    boolean perMiB = config.epcResource() == io.kubesgx.common.sgx.EpcResource.AZURE;
    // One EPC accounting: per-MiB devices only when they are the cluster's EPC resource.
    EpcPlan plan = EpcPlan.plan(perMiB ? info.epcPerNumaNode() : java.util.Map.of(),
        info.epcSource() == io.kubesgx.nodeagent.discovery.EpcSource.SYSFS,
        config.maxEpcDevices(), config.epcMessageBudget());
    if (perMiB) {
      plan.capReason().ifPresent(r -> LOG.warn("EPC device list capped: {}", r));
    } else if (info.epcBytes() > 0) {
      LOG.info("EPC is advertised as {} (node capacity, bytes); no per-MiB EPC devices",
          config.epcResource().resourceName());
    }

    List<DevicePlugin> plugins = new ArrayList<>();
    boolean sim = info.simulated();
    if (perMiB && plan.devices().count() > 0) {
      plugins.add(new DevicePlugin(
          plan.devices().withHealth(PluginSupervisor.healthy(DeviceRole.EPC, info.devices(), sim)),
          DeviceRole.EPC, config.policy(), info.devices(), plan.devices().numaRanges().size() > 1));
    }
    if (info.sgxEnabled() && config.enclaveSlots() > 0) {
      plugins.add(new DevicePlugin(DeviceSet.slots(ResourceNames.ENCLAVE, "enclave-",
          config.enclaveSlots(), PluginSupervisor.healthy(DeviceRole.ENCLAVE, info.devices(), sim)),
          DeviceRole.ENCLAVE, config.policy(), info.devices(), false));
    }
    boolean provisionNode = PluginSupervisor.healthy(DeviceRole.PROVISION, info.devices(), false);
    if (info.sgxEnabled() && config.provisionSlots() > 0 && (provisionNode || sim)) {
      plugins.add(new DevicePlugin(DeviceSet.slots(ResourceNames.PROVISION, "provision-",
          config.provisionSlots(), PluginSupervisor.healthy(DeviceRole.PROVISION, info.devices(),
          sim)), DeviceRole.PROVISION, config.policy(), info.devices(), false));
    }
    if (plugins.isEmpty()) {
      LOG.warn("no SGX on this node: no device plugin is served");
    }

    Optional<NodeRegistrar> registrar = Optional.empty();
    Optional<EpcEnforcer> enforcer = Optional.empty();
    if (config.kubeApi()) {
      KubernetesClient c = client.orElseThrow(
          () -> new IllegalArgumentException("Kubernetes API enabled but no client given"));
      NodeApi api = new Fabric8NodeApi(c);
      registrar = Optional.of(new NodeRegistrar(api, config.nodeName().orElseThrow(),
          config.startupTaint(), config.epcResource(),
          perMiB ? plan.capReason() : Optional.empty()));
      if (config.enforceEpc()) {
        EpcEnforcer e = new EpcEnforcer(new CgroupLocator(config.hostRoot()),
            info.epcCgroupAvailable());
        if (!e.available()) {
          LOG.warn("EPC enforcement unavailable: {}", e.unavailableReason());
        }
        enforcer = Optional.of(e);
      }
    }
    NodeAgent[] self = new NodeAgent[1];
    PluginSupervisor sup = new PluginSupervisor(config.plugins(), plugins, config.hostRoot(), sim,
        UdsTransport.auto(), resource -> {
          if (self[0] != null) {
            self[0].scheduleRegistration(0);
          }
        });
    NodeAgent agent = new NodeAgent(config, info, plan, sup, registrar, enforcer);
    self[0] = agent;
    try {
      agent.startParts(client);
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
    return agent;
  }

  private void startParts(Optional<KubernetesClient> client) throws IOException {
    supervisor.start();
    if (registrar.isPresent()) {
      scheduleRegistration(0);
    }
    if (enforcer.isPresent() && enforcer.get().available() && client.isPresent()) {
      KubernetesClient c = client.get();
      String node = config.nodeName().orElseThrow();
      long period = config.enforcementInterval().toMillis();
      loop.scheduleWithFixedDelay(() -> enforce(c, node), period, period, TimeUnit.MILLISECONDS);
    }
    if (config.metricsPort() >= 0) {
      http = HealthServer.start(new InetSocketAddress(config.metricsBind(), config.metricsPort()), this::ready,
          this::readyDetail, metrics());
      LOG.info("health and metrics on port {}", http.port());
    }
  }

  private void enforce(KubernetesClient c, String node) {
    try {
      List<Pod> pods = new ArrayList<>();
      for (Pod p : c.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems()) {
        if (p.getSpec() != null && node.equals(p.getSpec().getNodeName())) {
          pods.add(p);
        }
      }
      enforcer.get().reconcile(PodEpcExtractor.extract(pods));
    } catch (RuntimeException e) {
      LOG.warn("EPC enforcement pass failed: {}", e.toString());
    }
  }

  private synchronized void scheduleRegistration(long delayMs) {
    if (registrar.isEmpty() || loop.isShutdown()) {
      return;
    }
    loop.schedule(this::registerOnce, delayMs, TimeUnit.MILLISECONDS);
  }

  private void registerOnce() {
    NodeRegistrar r = registrar.orElseThrow();
    NodeRegistrar.Outcome o = r.reconcile(info, supervisor.allRegistered());
    lastOutcome.set(o);
    long next;
    if (o == NodeRegistrar.Outcome.FAILED || o == NodeRegistrar.Outcome.NODE_NOT_FOUND) {
      long f = registrationFailures.incrementAndGet();
      next = Math.min(config.registrationInterval().toMillis(), 500L << Math.min(f, 6));
    } else {
      registrationFailures.set(0);
      next = supervisor.allRegistered() ? config.registrationInterval().toMillis() : 1000;
    }
    scheduleRegistration(next);
  }

  /** Returns what discovery found. */
  public NodeSgxInfo info() {
    return info;
  }

  /** Returns the EPC device plan. */
  public EpcPlan epcPlan() {
    return epcPlan;
  }

  /** Returns the device-plugin supervisor. */
  public PluginSupervisor supervisor() {
    return supervisor;
  }

  /** Returns the node registrar, when the Kubernetes API is used. */
  public Optional<NodeRegistrar> registrar() {
    return registrar;
  }

  /** Returns the health/metrics port, or -1. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** Returns readiness: every plugin registered, and the node registered when the API is used. */
  public boolean ready() {
    boolean api = registrar.isEmpty() || lastOutcome.get() == NodeRegistrar.Outcome.UP_TO_DATE
        || lastOutcome.get() == NodeRegistrar.Outcome.UPDATED;
    return supervisor.allRegistered() && api;
  }

  private String readyDetail() {
    StringBuilder sb = new StringBuilder();
    for (DevicePlugin p : supervisor.plugins()) {
      sb.append(p.resourceName()).append(supervisor.registered(p.resourceName())
          ? " registered; " : " not registered; ");
    }
    registrar.ifPresent(r -> sb.append("node: ").append(lastOutcome.get())
        .append(r.lastError().isEmpty() ? "" : " (" + r.lastError() + ")"));
    return sb.toString();
  }

  /** Builds the metrics registry. */
  Metrics metrics() {
    Metrics m = new Metrics()
        .gauge("kubesgx_node_sgx_enabled", "1 if the node can run enclaves (or simulates it)",
            () -> info.sgxEnabled() ? 1 : 0)
        .gauge("kubesgx_node_epc_bytes", "EPC discovered on this node", info::epcBytes)
        .gauge("kubesgx_node_epc_devices_advertised", "Per-MiB EPC devices advertised",
            () -> epcPlan.devices().count())
        .gauge("kubesgx_node_epc_devices_capped", "1 if the EPC device list was capped",
            () -> epcPlan.capped() ? 1 : 0)
        .gauge("kubesgx_node_discovery_problems", "Problems met during discovery",
            () -> info.problems().size())
        .counter("kubesgx_device_plugin_registrations_total", "Successful kubelet registrations",
            supervisor::registrations)
        .labelledGauge("kubesgx_device_plugin_registered", "1 if registered with the kubelet",
            "resource", () -> perPlugin(p -> supervisor.registered(p.resourceName()) ? 1 : 0))
        .labelledGauge("kubesgx_device_plugin_healthy", "1 if the plugin's devices are healthy",
            "resource", () -> perPlugin(p -> p.devices().healthy() ? 1 : 0))
        .labelledGauge("kubesgx_device_plugin_devices", "Devices advertised", "resource",
            () -> perPlugin(p -> p.devices().count()))
        .labelledGauge("kubesgx_device_plugin_streams", "Open ListAndWatch streams", "resource",
            () -> perPlugin(DevicePlugin::openStreams))
        .labelledCounter("kubesgx_device_plugin_allocations_total", "Granted Allocate calls",
            "resource", () -> perPlugin(DevicePlugin::allocations))
        .labelledCounter("kubesgx_device_plugin_allocation_rejections_total",
            "Refused Allocate calls", "resource", () -> perPlugin(DevicePlugin::rejections))
        .gauge("kubesgx_node_registration_ok", "1 if the last node reconciliation succeeded",
            () -> lastOutcome.get() == NodeRegistrar.Outcome.UP_TO_DATE
                || lastOutcome.get() == NodeRegistrar.Outcome.UPDATED ? 1 : 0)
        .gauge("kubesgx_node_startup_taint_removed", "1 once the startup taint is removed",
            () -> registrar.map(r -> r.taintRemoved() ? 1 : 0).orElse(0))
        .gauge("kubesgx_epc_enforcement_available", "1 if misc.max sgx_epc limits can be set",
            () -> info.epcCgroupAvailable() ? 1 : 0)
        .counter("kubesgx_epc_limits_written_total", "misc.max sgx_epc limits written",
            () -> enforcer.map(EpcEnforcer::writtenTotal).orElse(0L));
    return m;
  }

  private Map<String, Number> perPlugin(java.util.function.Function<DevicePlugin, Number> f) {
    Map<String, Number> out = new LinkedHashMap<>();
    for (DevicePlugin p : supervisor.plugins()) {
      out.put(p.resourceName(), f.apply(p));
    }
    return out;
  }

  /** Returns the device nodes present when the agent started. */
  public java.util.Set<SgxDeviceNode> devices() {
    return info.devices();
  }

  @Override
  public void close() {
    loop.shutdownNow();
    if (http != null) {
      http.close();
    }
    supervisor.close();
  }
}
