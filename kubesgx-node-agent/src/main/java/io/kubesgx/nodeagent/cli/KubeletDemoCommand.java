package io.kubesgx.nodeagent.cli;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.nodeagent.NodeAgent;
import io.kubesgx.nodeagent.NodeAgentConfig;
import io.kubesgx.nodeagent.deviceplugin.AllocationPolicy;
import io.kubesgx.nodeagent.deviceplugin.PluginSupervisor;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.deviceplugin.UdsTransport;
import io.kubesgx.nodeagent.discovery.HostRoot;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginGrpc;
import io.kubesgx.proto.deviceplugin.v1beta1.Empty;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.RegisterRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.RegistrationGrpc;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubesgx node kubelet-demo}: the Kubernetes side without a cluster — runs the node agent with
 * simulated EPC against an in-process stand-in for the kubelet's device-plugin registration service
 * on UNIX sockets in a temporary directory, and prints the Register request, the first ListAndWatch
 * message and one Allocate answer.
 *
 * <p>The stand-in answers Register the way the kubelet does (dial the plugin back, then open
 * ListAndWatch); it is for demonstration only and validates nothing else.
 */
@Command(name = "kubelet-demo", mixinStandardHelpOptions = true,
    description = {
      "Run the node agent with simulated EPC against an in-process kubelet stand-in on UNIX sockets",
      "in a temporary directory; print its Register request, ListAndWatch devices and one Allocate answer."
    })
public final class KubeletDemoCommand implements Callable<Integer> {
  private static final long WAIT_SECONDS = 20;

  @Spec CommandSpec spec;

  @Option(names = "--simulate-epc", paramLabel = "SIZE", defaultValue = "64Mi", converter = SizeConverter.class,
      description = "Simulated EPC the agent advertises (default: ${DEFAULT-VALUE}).")
  long simulateEpc;

  @Option(names = "--request-mib", paramLabel = "N", defaultValue = "4",
      description = "MiB of EPC the demo pod's container asks for in the Allocate call, with --epc-resource azure (default: ${DEFAULT-VALUE}).")
  int requestMib;

  @Option(names = "--epc-resource", paramLabel = "intel|azure", defaultValue = "intel",
      description = "The cluster's EPC resource, as for node-agent: intel (byte capacity on the Node, the default) or azure (per-MiB devices).")
  String epcResource;

  @Override
  public Integer call() throws Exception {
    if (requestMib < 1 || (long) requestMib << 20 > simulateEpc) {
      throw CliException.usage("--request-mib must be between 1 and the simulated EPC in MiB ("
          + (simulateEpc >> 20) + ")");
    }
    EpcResource accounting;
    try {
      accounting = EpcResource.parse(epcResource);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    boolean perMib = accounting == EpcResource.AZURE;
    PrintWriter out = spec.commandLine().getOut();
    // UNIX socket paths are limited to ~107 bytes: keep the directory short.
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "kskubelet");
    UdsTransport transport = UdsTransport.auto();
    EventLoopGroup group = transport.newGroup(1, "demo-kubelet");
    ExecutorService executor = Executors.newCachedThreadPool(UdsTransport.daemonFactory("demo-kubelet-rpc"));
    DemoKubelet kubelet = new DemoKubelet(dir, transport, group);
    Server server = null;
    try {
      Path hostRoot = Files.createDirectory(dir.resolve("empty-host-root"));
      server = transport.startServer(dir.resolve(PluginSupervisor.KUBELET_SOCKET), group, executor, kubelet);
      out.println("kubelet stand-in listening on " + dir.resolve(PluginSupervisor.KUBELET_SOCKET));
      NodeAgentConfig cfg = NodeAgentConfig.builder()
          .hostRoot(new HostRoot(hostRoot))
          .simulateEpcBytes(OptionalLong.of(simulateEpc))
          .plugins(PluginSupervisor.Config.defaults(dir))
          .policy(AllocationPolicy.DEFAULT)
          .kubeApi(false)
          .enforceEpc(false)
          .metricsPort(-1)
          .epcResource(accounting)
          .build();
      try (NodeAgent agent = NodeAgent.start(cfg, Optional.empty())) {
        if (!perMib) {
          out.println();
          out.println("EPC accounting: " + ResourceNames.EPC_BYTES + " = " + simulateEpc + " bytes, advertised as Node capacity");
          out.println("  (the agent patches it into the Node's status through the API server; this demo runs without one)");
        }
        Registered r = kubelet.await(perMib ? ResourceNames.EPC_MIB : ResourceNames.ENCLAVE);
        out.println();
        out.println("Register request the device plugin sent to the kubelet:");
        out.println("  version:       " + r.request.getVersion());
        out.println("  resource_name: " + r.request.getResourceName());
        out.println("  endpoint:      " + r.request.getEndpoint() + "   (socket in the kubelet's directory)");
        out.println("  options:       pre_start_required=" + r.request.getOptions().getPreStartRequired()
            + " get_preferred_allocation_available=" + r.request.getOptions().getGetPreferredAllocationAvailable());
        ListAndWatchResponse devices = r.firstDevices();
        out.println();
        out.println("ListAndWatch: " + devices.getDevicesCount()
            + (perMib ? " devices of 1 MiB EPC each, e.g. " : " enclave slots (one per SGX container), e.g. ")
            + devices.getDevicesList().stream().limit(3).map(d -> d.getID() + " (" + d.getHealth() + ")").toList());
        List<String> ids = devices.getDevicesList().stream().limit(perMib ? requestMib : 1).map(d -> d.getID()).toList();
        AllocateResponse a = DevicePluginGrpc.newBlockingStub(r.channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
            .allocate(AllocateRequest.newBuilder()
                .addContainerRequests(ContainerAllocateRequest.newBuilder().addAllDevicesIds(ids)).build());
        out.println();
        out.println("Allocate " + ids + " -> answer for the container:");
        for (ContainerAllocateResponse c : a.getContainerResponsesList()) {
          c.getDevicesList().forEach(d -> out.println("  device:     " + d.getHostPath() + " -> " + d.getContainerPath()
              + " (" + d.getPermissions() + ")"));
          c.getMountsList().forEach(m -> out.println("  mount:      " + m.getHostPath() + " -> " + m.getContainerPath()));
          c.getEnvsMap().forEach((k, v) -> out.println("  env:        " + k + "=" + v));
          c.getAnnotationsMap().forEach((k, v) -> out.println("  annotation: " + k + "=" + v));
          c.getCdiDevicesList().forEach(d -> out.println("  cdi device: " + d.getName()));
        }
        out.println("(simulated EPC: a machine without SGX gets no /dev/sgx_* devices; on SGX hardware they are listed above)");
        out.flush();
      }
      return 0;
    } finally {
      kubelet.close();
      if (server != null) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
      executor.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> w = Files.walk(dir)) {
      w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** One plugin registration: the request, the channel dialled back, its ListAndWatch messages. */
  private static final class Registered {
    final RegisterRequest request;
    final ManagedChannel channel;
    final BlockingQueue<ListAndWatchResponse> updates = new LinkedBlockingQueue<>();

    Registered(RegisterRequest request, ManagedChannel channel) {
      this.request = request;
      this.channel = channel;
    }

    ListAndWatchResponse firstDevices() throws InterruptedException {
      ListAndWatchResponse r = updates.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (r == null) {
        throw new IllegalStateException("the device plugin sent no ListAndWatch message within " + WAIT_SECONDS + " s");
      }
      return r;
    }
  }

  /** The kubelet's Registration service as far as the demo needs it. */
  private static final class DemoKubelet extends RegistrationGrpc.RegistrationImplBase implements AutoCloseable {
    private final Path dir;
    private final UdsTransport transport;
    private final EventLoopGroup group;
    private final BlockingQueue<Registered> registrations = new LinkedBlockingQueue<>();
    private final List<ManagedChannel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();

    DemoKubelet(Path dir, UdsTransport transport, EventLoopGroup group) {
      this.dir = dir;
      this.transport = transport;
      this.group = group;
    }

    @Override
    public void register(RegisterRequest req, StreamObserver<Empty> answer) {
      if (req.getEndpoint().isEmpty() || req.getEndpoint().contains("/")) {
        answer.onError(Status.INVALID_ARGUMENT.withDescription("endpoint must be a file name").asException());
        return;
      }
      ManagedChannel ch = transport.channel(dir.resolve(req.getEndpoint()), group);
      channels.add(ch);
      Registered r = new Registered(req, ch);
      // Like the kubelet: the stream outlives the Register call, so it runs in the root context.
      io.grpc.Context.ROOT.run(() -> DevicePluginGrpc.newStub(ch).listAndWatch(Empty.getDefaultInstance(),
          new StreamObserver<>() {
            @Override
            public void onNext(ListAndWatchResponse value) {
              r.updates.add(value);
            }

            @Override
            public void onError(Throwable t) {
              // the demo ends by closing the channel
            }

            @Override
            public void onCompleted() {
              // nothing to do
            }
          }));
      registrations.add(r);
      answer.onNext(Empty.getDefaultInstance());
      answer.onCompleted();
    }

    Registered await(String resource) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (System.nanoTime() - deadline < 0) {
        Registered r = registrations.poll(100, TimeUnit.MILLISECONDS);
        if (r != null && r.request.getResourceName().equals(resource)) {
          return r;
        }
      }
      throw new IllegalStateException("the node agent did not register " + resource + " within " + WAIT_SECONDS + " s");
    }

    @Override
    public void close() {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
