package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * exception.
 *
 * <pre>{@code
 * NodeSgxInfo info = Discovery.discover(DiscoveryOptions.of(new HostRoot(Path.of("/host"))));
 * }</pre>
 */
public final class Discovery {
  /** Largest sysfs or procfs file read. */
  static final int MAX_FILE = CpuFlags.MAX_CHARS;

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

    Optional<CpuFlags> flags = Optional.empty();
    try {
      flags = Optional.of(CpuFlags.parse(readText(root.resolve("/proc/cpuinfo"))));
    } catch (NoSuchFileException e) {
      // Not an x86 Linux host root, or /proc not mounted: nothing to report.
    } catch (IOException | MalformedInputException e) {
      problems.add("/proc/cpuinfo: " + e.getMessage());
    }

    Optional<SgxCpuid> cpuid = Optional.empty();
    String cpuidPath = "/dev/cpu/" + options.cpu() + "/cpuid";
    Path cpuidFile = root.resolve(cpuidPath);
    if (Files.exists(cpuidFile)) {
      try {
        cpuid = Optional.of(SgxCpuid.parse(CpuidDevice.readSgxDump(cpuidFile)));
      } catch (IOException | MalformedInputException e) {
        problems.add(cpuidPath + ": " + e.getMessage());
      }
    }

    Map<Integer, Long> sysfs = readSysfsEpc(root, problems);

    OptionalLong misc = OptionalLong.empty();
    Path miscCapacity = root.resolve("/sys/fs/cgroup/misc.capacity");
    if (Files.exists(miscCapacity)) {
      try {
        Long v = MiscCgroupFile.parse(readText(miscCapacity)).get(MiscCgroupFile.SGX_EPC);
        if (v != null) {
          misc = OptionalLong.of(v);
        }
      } catch (IOException | MalformedInputException e) {
        problems.add("/sys/fs/cgroup/misc.capacity: " + e.getMessage());
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
    Path nodes = root.resolve("/sys/devices/system/node");
    if (!Files.isDirectory(nodes)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(nodes, "node*")) {
      for (Path dir : ds) {
        String name = dir.getFileName().toString().substring(4);
        int node;
        try {
          node = (int) SysfsNumber.parse(name, "NUMA node number");
          if (node > 4096) {
            continue;
          }
        } catch (MalformedInputException e) {
          continue;
        }
        Path f = dir.resolve("x86/sgx_total_bytes");
        if (!Files.exists(f)) {
          continue;
        }
        try {
          out.put(node, SysfsNumber.parse(readText(f), "sgx_total_bytes"));
        } catch (IOException | MalformedInputException e) {
          problems.add("/sys/devices/system/node/node" + node + "/x86/sgx_total_bytes: "
              + e.getMessage());
        }
      }
    } catch (IOException e) {
      problems.add("/sys/devices/system/node: " + e.getMessage());
    }
    try {
      sum(out);
    } catch (ArithmeticException e) {
      problems.add("sgx_total_bytes: sum overflows");
      out.clear();
    }
    return out;
  }

  /** Reads a small text file, refusing anything larger than {@link #MAX_FILE} bytes. */
  static String readText(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = in.readNBytes(MAX_FILE + 1);
      if (b.length > MAX_FILE) {
        throw new IOException("larger than " + MAX_FILE + " bytes");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }
}
