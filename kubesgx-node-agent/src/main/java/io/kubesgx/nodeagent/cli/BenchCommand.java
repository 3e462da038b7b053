package io.kubesgx.nodeagent.cli;

import io.grpc.ManagedChannel;
import io.kubesgx.common.cli.CliException;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.kubesgx.nodeagent.deviceplugin.AllocationPolicy;
import io.kubesgx.nodeagent.deviceplugin.Allocator;
import io.kubesgx.nodeagent.deviceplugin.DevicePlugin;
import io.kubesgx.nodeagent.deviceplugin.DeviceRole;
import io.kubesgx.nodeagent.deviceplugin.EpcPlan;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.deviceplugin.UdsTransport;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginGrpc;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx node bench}: measures {@code Allocate} latency over a real UNIX socket.
 *
 * <p>Without {@code --target} it serves an EPC plugin in this JVM (no kubelet needed: the server
 * runs before registration); with {@code --target SOCKET} it measures a running node agent.
 * Performance targets live here and in {@code docs/benchmarks.md}, never in unit tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure Allocate latency of the EPC device plugin over a UNIX socket.")
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--epc", paramLabel = "SIZE", defaultValue = "64Gi",
      converter = SizeConverter.class, description = "EPC served in-process (default: 64Gi).")
  long epc;

  @Option(names = "--request-mib", paramLabel = "N", defaultValue = "16",
      description = "MiB (device IDs) per Allocate call (default: ${DEFAULT-VALUE}).")
  int requestMib;

  @Option(names = "--iterations", paramLabel = "N", defaultValue = "20000",
      description = "Measured calls (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "5000",
      description = "Warm-up calls (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "0",
      description = "Per-call deadline; 0 sends none, like the kubelet (default: ${DEFAULT-VALUE}).")
  long deadlineMs;

  @Option(names = "--target", paramLabel = "SOCKET",
      description = "Measure the plugin serving on SOCKET instead of an in-process one.")
  Path target;

  @Override
  public Integer call() throws Exception {
    checkArguments();
    try {
      return measure();
    } catch (io.grpc.StatusRuntimeException e) {
      throw CliException.io("Allocate " + (target != null ? "on --target " + target : "in process") + " failed: "
          + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")"));
    }
  }

  private void checkArguments() {
    if (iterations < 1) {
      throw CliException.usage("--iterations must be at least 1");
    }
    if (warmup < 0) {
      throw CliException.usage("--warmup must not be negative");
    }
    if (deadlineMs < 0) {
      throw CliException.usage("--deadline-ms must not be negative (0 sends no deadline)");
    }
    if (requestMib < 1 || requestMib > 60000) {
      throw CliException.usage("--request-mib must be 1..60000");
    }
    if (target == null && epc < (long) requestMib << 20) {
      throw CliException.usage("--epc must hold at least --request-mib MiB");
    }
    if (target != null) {
      if (!Files.exists(target)) {
        throw CliException.usage("--target " + target + ": no such socket; give a running plugin's socket "
            + "(kubesgx-*.sock in the kubelet device-plugin directory)");
      }
      if (Files.isDirectory(target) || Files.isRegularFile(target)) {
        throw CliException.usage("--target " + target + " is a " + (Files.isDirectory(target) ? "directory" : "regular file")
            + ", not a UNIX socket");
      }
    }
  }

  private Integer measure() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    UdsTransport t = UdsTransport.auto();
    Path dir = null;
    PluginSupervisor sup = null;
    Path socket = target;
    long startNs = System.nanoTime();
    if (target == null) {
      dir = Files.createTempDirectory(Path.of("/tmp"), "ksbench");
      EpcPlan plan = EpcPlan.plan(Map.of(0, epc), false, Long.MAX_VALUE, EpcPlan.DEFAULT_BUDGET);
      out.printf("plan: %d EPC devices, ListAndWatch message %d bytes, planned in %.1f ms%n",
          plan.devices().count(), plan.devices().toProto().getSerializedSize(),
          (System.nanoTime() - startNs) / 1e6);
      DevicePlugin p = new DevicePlugin(plan.devices(), DeviceRole.EPC, AllocationPolicy.DEFAULT,
          EnumSet.of(SgxDeviceNode.SGX_ENCLAVE), false);
      sup = new PluginSupervisor(new PluginSupervisor.Config(dir, Duration.ofSeconds(1),
          Duration.ofHours(1), Duration.ofSeconds(15)), List.of(p), new HostRoot(dir), true, t,
          r -> { });
      sup.start();
      socket = sup.socketOf(ResourceNames.EPC_MIB);
      benchPure(out, plan);
    }
    EventLoopGroup g = t.newGroup(1, "bench");
    ManagedChannel ch = t.channel(socket, g);
    // Report allocation latency only once the connection is up.
    ch.getState(true);
    try {
      var stub = DevicePluginGrpc.newBlockingStub(ch);
      // Requests are built before timing starts, so that the client's own allocation (and GC)
      // stays out of the measured loop as far as possible.
      AllocateRequest[] reqs = new AllocateRequest[warmup + iterations];
      for (int i = -warmup; i < iterations; i++) {
        reqs[i + warmup] = request(i);
      }
      long[] lat = new long[iterations];
      for (int i = -warmup; i < iterations; i++) {
        AllocateRequest req = reqs[i + warmup];
        long t0 = System.nanoTime();
        if (deadlineMs > 0) {
          stub.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).allocate(req);
        } else {
          stub.allocate(req);
        }
        long d = System.nanoTime() - t0;
        if (i >= 0) {
          lat[i] = d;
        }
      }
      report(out, "Allocate over UNIX socket (" + t.kind() + ", " + requestMib + " MiB/call)", lat);
      out.println("process RSS: " + rss());
    } finally {
      ch.shutdownNow();
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (sup != null) {
        sup.close();
      }
      if (dir != null) {
        Files.deleteIfExists(dir);
      }
    }
    out.flush();
    return 0;
  }

  private void benchPure(PrintWriter out, EpcPlan plan) {
    long[] lat = new long[iterations];
    for (int i = -warmup; i < iterations; i++) {
      List<List<String>> ids = List.of(ids(i));
      long t0 = System.nanoTime();
      Allocator.allocate(ids, plan.devices(), DeviceRole.EPC,
          EnumSet.of(SgxDeviceNode.SGX_ENCLAVE), AllocationPolicy.DEFAULT);
      long d = System.nanoTime() - t0;
      if (i >= 0) {
        lat[i] = d;
      }
    }
    report(out, "Allocator decision only (no gRPC)", lat);
  }

  private List<String> ids(int i) {
    List<String> ids = new ArrayList<>(requestMib);
    int base = Math.floorMod(i * requestMib, Math.max(1, 60000 - requestMib));
    for (int k = 0; k < requestMib; k++) {
      ids.add(Integer.toString(base + k, 36));
    }
    return ids;
  }

  private AllocateRequest request(int i) {
    return AllocateRequest.newBuilder().addContainerRequests(
        ContainerAllocateRequest.newBuilder().addAllDevicesIds(ids(i))).build();
  }

  private static void report(PrintWriter out, String what, long[] lat) {
    long[] s = lat.clone();
    Arrays.sort(s);
    out.printf("%s: n=%d p50=%.1f us p90=%.1f us p99=%.1f us p99.9=%.1f us max=%.1f us%n", what,
        s.length, pct(s, 50), pct(s, 90), pct(s, 99), pct(s, 99.9), s[s.length - 1] / 1e3);
  }

  private static double pct(long[] sorted, double p) {
    int idx = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, idx)] / 1e3;
  }

  private static String rss() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:") || l.startsWith("VmHWM:")) {
          return l.replaceAll("\\s+", " ");
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return "unknown";
  }
}
