package io.kubesgx.nodeagent.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 10: discovery over host roots that would exhaust the heap, block, wrap node numbers
 * or hide symbolic-link loops. Every case ends as a discovery problem and discovery returns.
 */
class HostileHostRootTest {
  /** A hang guard only: discovery of these small trees takes milliseconds. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(30);

  @TempDir Path tmp;

  private Path inKernel() {
    return HostRootFixtures.driverFixture("in-kernel", tmp.resolve("root"));
  }

  private static NodeSgxInfo discover(Path root) {
    return assertTimeoutPreemptively(HANG_GUARD, () -> Discovery.discover(DiscoveryOptions.of(new HostRoot(root))));
  }

  private static String problems(NodeSgxInfo info) {
    return String.join("\n", info.problems());
  }

  private static void mkfifo(Path p) throws Exception {
    Files.deleteIfExists(p);
    Process proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertEquals(0, proc.waitFor());
  }

  private static void replaceWithLink(Path link, Path target) throws IOException {
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, target);
  }

  @Test
  void discover_cpuinfoLargerThanCap_reportsProblemWithoutReadingItAll() throws Exception {
    Path root = inKernel();
    Path cpuinfo = root.resolve("proc/cpuinfo");
    byte[] line = ("padding\t: " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = Files.newOutputStream(cpuinfo)) {
      out.write("processor\t: 0\nflags\t\t: fpu sgx sgx_lc\n".getBytes(StandardCharsets.US_ASCII));
      for (long n = 0; n < 17L * 1024 * 1024; n += line.length) {
        out.write(line);
      }
    }

    NodeSgxInfo info = discover(root);

    assertTrue(problems(info).contains("/proc/cpuinfo: cpuinfo: larger than"), problems(info));
    assertEquals(64L << 30, info.epcBytes(), "the other sources are still read");
  }

  @Test
  void discover_cpuinfoOneHugeLine_reportsProblem() throws Exception {
    Path root = inKernel();
    Files.write(root.resolve("proc/cpuinfo"), new byte[1 << 20]); // 1 MiB of NUL bytes, no newline

    assertTrue(problems(discover(root)).contains("a line longer than"));
  }

  @Test
  void discover_cpuinfoLinkedToDevZero_refusedBeforeOpening() throws Exception {
    Path root = inKernel();
    replaceWithLink(root.resolve("proc/cpuinfo"), Path.of("/dev/zero"));

    NodeSgxInfo info = discover(root);

    assertTrue(problems(info).contains("/proc/cpuinfo: a character device, not a regular file"), problems(info));
    assertTrue(info.cpuFlags().isEmpty());
  }

  @Test
  void discover_cpuinfoFifo_refusedWithoutBlocking() throws Exception {
    Path root = inKernel();
    mkfifo(root.resolve("proc/cpuinfo"));

    assertTrue(problems(discover(root)).contains("/proc/cpuinfo: a FIFO, not a regular file"));
  }

  @Test
  void discover_sysfsAndCgroupFifos_refusedWithoutBlocking() throws Exception {
    Path root = inKernel();
    mkfifo(root.resolve("sys/devices/system/node/node0/x86/sgx_total_bytes"));
    mkfifo(root.resolve("sys/fs/cgroup/misc.capacity"));

    NodeSgxInfo info = discover(root);

    String p = problems(info);
    assertTrue(p.contains("node0/x86/sgx_total_bytes: a FIFO"), p);
    assertTrue(p.contains("misc.capacity: a FIFO"), p);
    assertEquals(Map.of(1, 32L << 30), info.epcPerNumaNode());
  }

  @Test
  void discover_cpuidFifoOrOtherDevice_refused() throws Exception {
    Path root = inKernel();
    Path cpuid = root.resolve("dev/cpu/0/cpuid");
    mkfifo(cpuid);
    assertTrue(problems(discover(root)).contains("/dev/cpu/0/cpuid: a FIFO, not the cpuid driver's device"));

    replaceWithLink(cpuid, Path.of("/dev/null"));
    assertTrue(problems(discover(root)).contains("/dev/cpu/0/cpuid: a character device with major number 1,"));
  }

  @Test
  void discover_nodeNumberAbove32Bits_rejectedInsteadOfWrappingToNodeZero() throws Exception {
    Path root = inKernel();
    Path wrap = root.resolve("sys/devices/system/node/node4294967296/x86");
    Files.createDirectories(wrap);
    Files.writeString(wrap.resolve("sgx_total_bytes"), "4096\n");

    NodeSgxInfo info = discover(root);

    assertEquals(Map.of(0, 32L << 30, 1, 32L << 30), info.epcPerNumaNode(), "node 0 must keep its own value");
    assertTrue(problems(info).contains("node4294967296: NUMA node number out of range"), problems(info));
  }

  @Test
  void discover_nodeNumberWithLeadingZeroOrJunk_reported() throws Exception {
    Path root = inKernel();
    Files.createDirectories(root.resolve("sys/devices/system/node/node01/x86"));
    Files.writeString(root.resolve("sys/devices/system/node/node01/x86/sgx_total_bytes"), "4096\n");
    Files.createDirectories(root.resolve("sys/devices/system/node/nodeX"));

    NodeSgxInfo info = discover(root);

    assertEquals(Map.of(0, 32L << 30, 1, 32L << 30), info.epcPerNumaNode());
    assertTrue(problems(info).contains("node01: NUMA node number out of range 0..4095 or not canonical"), problems(info));
    assertTrue(problems(info).contains("nodeX: not a NUMA node directory name"), problems(info));
  }

  @Test
  void discover_symlinkLoops_reportedNotAbsent() throws Exception {
    Path root = inKernel();
    Path a = root.resolve("sys/devices/system/node/node0/x86/sgx_total_bytes");
    Path b = root.resolve("sys/devices/system/node/node0/x86/other");
    replaceWithLink(a, b);
    Files.createSymbolicLink(b, a);
    replaceWithLink(root.resolve("proc/cpuinfo"), root.resolve("proc/cpuinfo"));
    replaceWithLink(root.resolve("dev/sgx_enclave"), root.resolve("dev/sgx_enclave"));

    NodeSgxInfo info = discover(root);

    String p = problems(info);
    assertTrue(p.contains("node0/x86/sgx_total_bytes: a symbolic link that cannot be resolved"), p);
    assertTrue(p.contains("/proc/cpuinfo: a symbolic link that cannot be resolved"), p);
    assertTrue(p.contains("/dev/sgx_enclave: a symbolic link that cannot be resolved"), p);
  }

  @Test
  void discover_danglingSymlink_reported() throws Exception {
    Path root = inKernel();
    replaceWithLink(root.resolve("sys/fs/cgroup/misc.capacity"), root.resolve("nowhere"));

    assertTrue(problems(discover(root)).contains("misc.capacity: a symbolic link to a missing file"));
  }

  @Test
  void discover_cpuinfoDirectory_reported() throws Exception {
    Path root = inKernel();
    Files.delete(root.resolve("proc/cpuinfo"));
    Files.createDirectories(root.resolve("proc/cpuinfo"));

    assertTrue(problems(discover(root)).contains("/proc/cpuinfo: a directory, not a regular file"));
  }
}
