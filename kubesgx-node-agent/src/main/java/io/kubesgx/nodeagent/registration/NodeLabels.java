package io.kubesgx.nodeagent.registration;

import io.kubesgx.nodeagent.discovery.NodeSgxInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The node labels that describe SGX features, in our prefix and the NFD/Intel-compatible names. */
public final class NodeLabels {
  /** Our label prefix. */
  public static final String PREFIX = "kubesgx.io/";
  /** NFD-compatible label for nodes with SGX. */
  public static final String NFD_SGX = "feature.node.kubernetes.io/cpu-sgx.enabled";
  /** Label set by Intel's {@code sgx_epchook -node-label} on nodes with EPC. */
  public static final String INTEL_CAPABLE = "sgx.intel.com/capable";
  /** Set to {@code true} once EPC is advertised (plugins registered, capacity written). */
  public static final String EPC_READY = PREFIX + "epc-ready";

  private NodeLabels() {}

  /** Returns whether the agent owns (may set and remove) a label. */
  public static boolean owned(String key) {
    return key.startsWith(PREFIX) || key.equals(NFD_SGX) || key.equals(INTEL_CAPABLE);
  }

  /** Returns the labels for the node; owned labels not returned are to be removed. */
  public static Map<String, String> compute(NodeSgxInfo info, boolean epcReady) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(PREFIX + "sgx", Boolean.toString(info.sgxEnabled()));
    m.put(PREFIX + "sgx-driver", info.driver().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    m.put(PREFIX + "sgx-flc", Boolean.toString(info.flexibleLaunchControl()));
    info.cpuid().ifPresent(c -> m.put(PREFIX + "sgx2", Boolean.toString(c.sgx2())));
    m.put(PREFIX + "epc-mib", Long.toString(info.epcMiB()));
    m.put(PREFIX + "epc-source", info.epcSource().name().toLowerCase(Locale.ROOT));
    m.put(PREFIX + "epc-cgroup", Boolean.toString(info.epcCgroupAvailable()));
    if (info.simulated()) {
      m.put(PREFIX + "sgx-simulated", "true");
    }
    if (info.sgxEnabled()) {
      m.put(NFD_SGX, "true");
    }
    if (info.epcBytes() > 0) {
      m.put(INTEL_CAPABLE, "true");
    }
    if (epcReady) {
      m.put(EPC_READY, "true");
    }
    return m;
  }
}
