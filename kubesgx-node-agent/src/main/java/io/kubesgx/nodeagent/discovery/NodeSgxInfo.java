package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The immutable description of one node's SGX capabilities, as discovery found them.
 *
 * @param simulated EPC comes from {@code --simulate-epc}, not the hardware
 * @param devices device nodes present on the host
 * @param cpuFlags flags from {@code /proc/cpuinfo}, if readable
 * @param cpuid decoded CPUID leaves 7 and 0x12, if readable
 * @param epcPerNumaNode EPC bytes per NUMA node (from sysfs, or node 0 for other sources)
 * @param epcBytes total EPC bytes advertised (0 when unknown)
 * @param epcSource where {@code epcBytes} came from
 * @param miscEpcCapacity {@code sgx_epc} in the root {@code misc.capacity}, when the kernel has it
 * @param problems human-readable problems met while reading (malformed or unreadable files)
 */
public record NodeSgxInfo(
    boolean simulated,
    Set<SgxDeviceNode> devices,
    Optional<CpuFlags> cpuFlags,
    Optional<SgxCpuid> cpuid,
    Map<Integer, Long> epcPerNumaNode,
    long epcBytes,
    EpcSource epcSource,
    OptionalLong miscEpcCapacity,
    List<String> problems) {

  /** Makes defensive, ordered copies. */
  public NodeSgxInfo {
    devices = devices.isEmpty()
        ? Collections.unmodifiableSet(EnumSet.noneOf(SgxDeviceNode.class))
        : Collections.unmodifiableSet(EnumSet.copyOf(devices));
    epcPerNumaNode = Collections.unmodifiableMap(new TreeMap<>(epcPerNumaNode));
    problems = List.copyOf(problems);
    if (epcBytes < 0) {
      throw new IllegalArgumentException("negative EPC size");
    }
  }

  /** Returns the driver generation the present device nodes indicate. */
  public DriverGeneration driver() {
    return DriverGeneration.of(devices);
  }

  /** Returns whether the node can run enclaves (or simulates it). */
  public boolean sgxEnabled() {
    return simulated || driver() != DriverGeneration.NONE;
  }

  /** Returns whether the CPU reports SGX, from CPUID or the cpuinfo flags. */
  public boolean cpuSgx() {
    return cpuid.map(SgxCpuid::sgx).orElse(false) || cpuFlags.map(CpuFlags::sgx).orElse(false);
  }

  /** Returns whether the CPU reports SGX2 (only CPUID can tell). */
  public boolean sgx2() {
    return cpuid.map(SgxCpuid::sgx2).orElse(false);
  }

  /** Returns whether flexible launch control is reported (cpuinfo {@code sgx_lc} or CPUID). */
  public boolean flexibleLaunchControl() {
    return cpuid.map(SgxCpuid::launchControl).orElse(false)
        || cpuFlags.map(CpuFlags::sgxLc).orElse(false);
  }

  /** Returns whether the misc cgroup can limit EPC per cgroup on this kernel. */
  public boolean epcCgroupAvailable() {
    return miscEpcCapacity.isPresent();
  }

  /** Returns the advertised EPC in whole MiB. */
  public long epcMiB() {
    return epcBytes / Sizes.MIB;
  }

  /** Returns this description as JSON. */
  public JsonValue.JsonObject toJson() {
    List<String> devs = new ArrayList<>();
    for (SgxDeviceNode d : devices) {
      devs.add(d.hostPath());
    }
    JsonBuilder numa = JsonBuilder.object();
    epcPerNumaNode.forEach((k, v) -> numa.put(Integer.toString(k), v));
    JsonBuilder b =
        JsonBuilder.object()
            .put("sgx", sgxEnabled())
            .put("simulated", simulated)
            .put("driver", Sizes.lower(driver()))
            .putStrings("devices", devs)
            .put("cpuSgx", cpuSgx())
            .put("sgx2", sgx2())
            .put("flexibleLaunchControl", flexibleLaunchControl())
            .put("epcBytes", epcBytes)
            .put("epcMiB", epcMiB())
            .put("epcSource", Sizes.lower(epcSource))
            .put("epcPerNumaNode", numa.build())
            .put("epcCgroup", epcCgroupAvailable());
    cpuid.ifPresent(
        c -> {
          List<String> secs = new ArrayList<>();
          for (EpcSection s : c.sections()) {
            secs.add(String.format("0x%x+%d", s.base(), s.size()));
          }
          b.put(
              "cpuid",
              JsonBuilder.object()
                  .put("sgx1", c.sgx1())
                  .put("sgx2", c.sgx2())
                  .put("maxEnclaveSizeLog2", c.maxEnclaveSizeLog2())
                  .putStrings("epcSections", secs)
                  .build());
        });
    cpuFlags.ifPresent(f -> b.put("logicalCpus", f.logicalCpus()));
    miscEpcCapacity.ifPresent(v -> b.put("miscEpcCapacity", v));
    b.putStrings("problems", problems);
    return b.build();
  }

  /** Returns a short human-readable description, one fact per line. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("SGX:               ").append(sgxEnabled() ? "yes" : "no")
        .append(simulated ? " (simulated)" : "").append('\n');
    sb.append("driver:            ").append(Sizes.lower(driver())).append('\n');
    sb.append("device nodes:      ");
    if (devices.isEmpty()) {
      sb.append("none");
    }
    for (SgxDeviceNode d : devices) {
      sb.append(d.hostPath()).append(' ');
    }
    sb.append('\n');
    sb.append("CPU SGX / SGX2:    ").append(cpuSgx() ? "yes" : "no").append(" / ")
        .append(sgx2() ? "yes" : cpuid.isPresent() ? "no" : "unknown").append('\n');
    sb.append("launch control:    ").append(flexibleLaunchControl() ? "flexible" : "no/unknown")
        .append('\n');
    sb.append("EPC:               ").append(epcMiB()).append(" MiB (").append(epcBytes)
        .append(" bytes, source ").append(Sizes.lower(epcSource)).append(")\n");
    epcPerNumaNode.forEach(
        (n, v) -> sb.append("  NUMA node ").append(n).append(":       ").append(v / Sizes.MIB)
            .append(" MiB\n"));
    sb.append("EPC cgroup (misc): ").append(epcCgroupAvailable() ? "available" : "unavailable")
        .append('\n');
    for (String p : problems) {
      sb.append("problem:           ").append(p).append('\n');
    }
    return sb.toString();
  }
}
