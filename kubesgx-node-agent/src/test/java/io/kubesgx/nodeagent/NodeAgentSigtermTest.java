package io.kubesgx.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.nodeagent.cli.NodeAgentCommand;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 9: SIGTERM to a real {@code node-agent} process closes the plugins, removes their
 * three sockets (per-MiB accounting, so all three plugins run) and exits with status 0 (before the fix: status 143 and the sockets left behind).
 */
class NodeAgentSigtermTest {
  @TempDir Path tmp;

  @Test
  void sigterm_runningAgent_exitsZeroAndRemovesPluginSockets() throws Exception {
    Path kubeletDir = Files.createDirectories(tmp.resolve("kd"));
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path log = tmp.resolve("agent.log");
    List<Path> sockets = List.of(
        kubeletDir.resolve(ResourceNames.socketName(ResourceNames.EPC_MIB)),
        kubeletDir.resolve(ResourceNames.socketName(ResourceNames.ENCLAVE)),
        kubeletDir.resolve(ResourceNames.socketName(ResourceNames.PROVISION)));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        NodeAgentCommand.class.getName(), "--no-kube-api", "--simulate-epc", "64Mi", "--epc-resource", "azure",
        "--host-root", root.toString(), "--kubelet-dir", kubeletDir.toString(), "--metrics-port", "-1"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (p.isAlive() && System.nanoTime() < deadline && !sockets.stream().allMatch(Files::exists)) {
        Thread.sleep(50);
      }
      assertTrue(sockets.stream().allMatch(Files::exists), () -> "the three plugin sockets did not appear: " + read(log));

      p.destroy(); // SIGTERM on Linux
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the agent did not exit after SIGTERM");
      assertEquals(0, p.exitValue(), () -> "exit status after SIGTERM; output: " + read(log));
      for (Path s : sockets) {
        assertFalse(Files.exists(s), s + " must be removed on SIGTERM");
      }
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * Issue 11 item 10, as a user met it: {@code bin/kubesgx-node-agent} runs with {@code -Xmx32m};
   * a 17 MB {@code /proc/cpuinfo}, a FIFO and a symbolic-link loop in the host root must end as
   * discovery problems, not OutOfMemoryError or a hang, and the plugins must still be served.
   */
  @Test
  void start_hostileHostRootIn32MiBHeap_reportsProblemsAndServes() throws Exception {
    Path kubeletDir = Files.createDirectories(tmp.resolve("kd"));
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("proc"));
    byte[] line = ("padding\t: " + "x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = Files.newOutputStream(root.resolve("proc/cpuinfo"))) {
      out.write("processor\t: 0\nflags\t\t: fpu sgx sgx_lc\n".getBytes(StandardCharsets.US_ASCII));
      for (long n = 0; n < 17L * 1024 * 1024; n += line.length) {
        out.write(line);
      }
    }
    Path x86 = Files.createDirectories(root.resolve("sys/devices/system/node/node0/x86"));
    Files.createSymbolicLink(x86.resolve("sgx_total_bytes"), x86.resolve("sgx_total_bytes"));
    Files.createDirectories(root.resolve("sys/fs/cgroup"));
    assertEquals(0, new ProcessBuilder("mkfifo", root.resolve("sys/fs/cgroup/misc.capacity").toString())
        .inheritIO().start().waitFor());
    Path log = tmp.resolve("agent.log");
    Path epcSocket = kubeletDir.resolve(ResourceNames.socketName(ResourceNames.EPC_MIB));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
        NodeAgentCommand.class.getName(), "--no-kube-api", "--simulate-epc", "64Mi", "--epc-resource", "azure",
        "--host-root", root.toString(), "--kubelet-dir", kubeletDir.toString(), "--metrics-port", "-1"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (p.isAlive() && System.nanoTime() < deadline && !Files.exists(epcSocket)) {
        Thread.sleep(50);
      }
      assertTrue(Files.exists(epcSocket), () -> "the agent did not serve: " + read(log));
      String out = read(log);
      assertTrue(out.contains("/proc/cpuinfo: cpuinfo: larger than"), out);
      assertTrue(out.contains("sgx_total_bytes: a symbolic link that cannot be resolved"), out);
      assertTrue(out.contains("misc.capacity: a FIFO"), out);
      assertFalse(out.contains("OutOfMemoryError"), out);
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), () -> read(log));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (Exception e) {
      return "(no output: " + e + ")";
    }
  }
}
