package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * Discovers a node's SGX capabilities from a host root, keeping whatever it could read.
 *
 * <p>EPC size order (kubernetes-sgx.md §6.3, design): sysfs {@code sgx_total_bytes} (no
 * privileges), then CPUID leaf 0x12 through {@code /dev/cpu/N/cpuid} (root), else unknown (0, no
 * EPC advertised). A malformed or unreadable file becomes a problem on the result, never an
 * exception. Files are read through {@link HostFiles}: only regular files (and the cpuid driver's
 * device), bounded ({@code cpuinfo} streamed a line at a time), special files refused before they
 * are opened, symbolic-link loops and dangling links reported; NUMA node numbers above {@value
 * #MAX_NUMA_NODE} or not in canonical decimal are reported and skipped.
 *
 * <pre>{@code
 * NodeSgxInfo info = Discovery.discover(DiscoveryOptions.of(new HostRoot(Path.of("/host"))));
 * }</pre>
 */
public final class Discovery {
  /** Largest NUMA node number accepted (Linux {@code MAX_NUMNODES} is at most 1024 today). */
  static final int MAX_NUMA_NODE = 4095;

  private Discovery() {}

  /** Probes which SGX device nodes exist on the host. */
  public static Set<SgxDeviceNode> probeDevices(HostRoot root) {
    Set<SgxDeviceNode> present = EnumSet.noneOf(SgxDeviceNode.class);
    for (SgxDeviceNode d : SgxDeviceNode.values()) {
      if (Files.exists(root.resolve(d.hostPath()))) {
        present.add(d);
      }
    }
    return present;
  }

  /** Runs discovery. */
  public static NodeSgxInfo discover(DiscoveryOptions options) {
    HostRoot root = options.hostRoot();
    List<String> problems = new ArrayList<>();
    Set<SgxDeviceNode> devices = probeDevices(root);
    for (SgxDeviceNode d : SgxDeviceNode.values()) {
      Path p = root.resolve(d.hostPath());
      if (!devices.contains(d) && HostFiles.present(p)) {
        try {
          HostFiles.attributes(p);
        } catch (IOException e) {
          problems.add(d.hostPath() + ": " + message(e));
        }
      }
    }

    Optional<CpuFlags> flags = Optional.empty();
    try (InputStream in = HostFiles.openRegular(root.resolve("/proc/cpuinfo"))) {
      flags = Optional.of(CpuFlags.read(in));
    } catch (NoSuchFileException e) {
      // Not an x86 Linux host root, or /proc not mounted: nothing to report.
    } catch (IOException | MalformedInputException e) {
      problems.add("/proc/cpuinfo: " + message(e));
    }

    Optional<SgxCpuid> cpuid = Optional.empty();
    String cpuidPath = "/dev/cpu/" + options.cpu() + "/cpuid";
    Path cpuidFile = root.resolve(cpuidPath);
    if (HostFiles.present(cpuidFile)) {
      try {
        HostFiles.requireCpuidDevice(cpuidFile);
        cpuid = Optional.of(SgxCpuid.parse(CpuidDevice.readSgxDump(cpuidFile)));
      } catch (IOException | MalformedInputException e) {
        problems.add(cpuidPath + ": " + message(e));
      }
    }

    Map<Integer, Long> sysfs = readSysfsEpc(root, problems);

    OptionalLong misc = OptionalLong.empty();
    Path miscCapacity = root.resolve("/sys/fs/cgroup/misc.capacity");
    if (HostFiles.present(miscCapacity)) {
      try {
        Long v = MiscCgroupFile.parse(HostFiles.readSmallText(miscCapacity)).get(MiscCgroupFile.SGX_EPC);
        if (v != null) {
          misc = OptionalLong.of(v);
        }
      } catch (IOException | MalformedInputException e) {
        problems.add("/sys/fs/cgroup/misc.capacity: " + message(e));
      }
    }

    long epc;
    EpcSource source;
    Map<Integer, Long> numa;
    if (options.simulateEpcBytes().isPresent()) {
      epc = options.simulateEpcBytes().getAsLong();
      source = EpcSource.SIMULATED;
      numa = Map.of(0, epc);
    } else if (!sysfs.isEmpty() && sum(sysfs) > 0) {
      epc = sum(sysfs);
      source = EpcSource.SYSFS;
      numa = sysfs;
    } else if (cpuid.isPresent() && cpuid.get().totalEpcBytes() > 0) {
      epc = cpuid.get().totalEpcBytes();
      source = EpcSource.CPUID;
      numa = Map.of(0, epc);
    } else {
      epc = 0;
      source = EpcSource.NONE;
      numa = Map.of();
      if (DriverGeneration.of(devices) != DriverGeneration.NONE) {
        problems.add("SGX device nodes exist but the EPC size is unknown: no sysfs "
            + "sgx_total_bytes and no readable " + cpuidPath + "; no EPC is advertised");
      }
    }
    return new NodeSgxInfo(
        options.simulateEpcBytes().isPresent(),
        devices,
        flags,
        cpuid,
        numa,
        epc,
        source,
        misc,
        problems);
  }

  private static long sum(Map<Integer, Long> m) {
    long s = 0;
    for (long v : m.values()) {
      s = Math.addExact(s, v);
    }
    return s;
  }

  private static Map<Integer, Long> readSysfsEpc(HostRoot root, List<String> problems) {
    Map<Integer, Long> out = new TreeMap<>();
    String nodesPath = "/sys/devices/system/node";
    Path nodes = root.resolve(nodesPath);
    if (!HostFiles.present(nodes)) {
      return out;
    }
    try {
      if (!HostFiles.attributes(nodes).isDirectory()) {
        problems.add(nodesPath + ": not a directory");
        return out;
      }
    } catch (IOException e) {
      problems.add(nodesPath + ": " + message(e));
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(nodes, "node*")) {
      for (Path dir : ds) {
        String dirName = dir.getFileName().toString();
        String name = dirName.substring(4);
        int node;
        try {
          long n = SysfsNumber.parse(name, "NUMA node number");
          if (n > MAX_NUMA_NODE || (name.length() > 1 && name.charAt(0) == '0')) {
            problems.add(nodesPath + "/" + printable(dirName) + ": NUMA node number out of range 0.."
                + MAX_NUMA_NODE + " or not canonical; skipped");
            continue;
          }
          node = (int) n;
        } catch (MalformedInputException e) {
          problems.add(nodesPath + "/" + printable(dirName) + ": not a NUMA node directory name; skipped");
          continue;
        }
        Path f = dir.resolve("x86/sgx_total_bytes");
        if (!HostFiles.present(f)) {
          continue;
        }
        try {
          out.put(node, SysfsNumber.parse(HostFiles.readSmallText(f), "sgx_total_bytes"));
        } catch (IOException | MalformedInputException e) {
          problems.add(nodesPath + "/node" + node + "/x86/sgx_total_bytes: " + message(e));
        }
      }
    } catch (IOException e) {
      problems.add(nodesPath + ": " + message(e));
    }
    try {
      sum(out);
    } catch (ArithmeticException e) {
      problems.add("sgx_total_bytes: sum overflows");
      out.clear();
    }
    return out;
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Returns {@code s} cut to 64 characters with control characters replaced, for problem texts. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 64 ? b + "..." : b.toString();
  }
}
