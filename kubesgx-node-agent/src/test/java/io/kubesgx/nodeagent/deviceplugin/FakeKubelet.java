package io.kubesgx.nodeagent.deviceplugin;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginGrpc;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginOptions;
import io.kubesgx.proto.deviceplugin.v1beta1.Empty;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.PreferredAllocationResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.RegisterRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.RegistrationGrpc;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A fake kubelet speaking the real v1beta1 API over UNIX sockets (kubelet-device-plugin.md §9).
 *
 * <p>Like the kubelet it validates Register, dials the plugin back and calls GetDevicePluginOptions
 * <em>before</em> answering, opens one ListAndWatch stream per registration and keeps it open,
 * keeps grpc's default 4 MiB receive limit, and on {@link #restart()} deletes every socket in the
 * directory (keeping regular files such as {@code kubelet_internal_checkpoint}).
 */
public final class FakeKubelet implements AutoCloseable {
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  /** One registered plugin as the fake sees it. */
  public static final class Connection {
    final RegisterRequest request;
    final ManagedChannel channel;
    final DevicePluginOptions options;
    final BlockingQueue<ListAndWatchResponse> updates = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> streamErrors = new LinkedBlockingQueue<>();
    volatile boolean completed;

    Connection(RegisterRequest request, ManagedChannel channel, DevicePluginOptions options) {
      this.request = request;
      this.channel = channel;
      this.options = options;
    }

    public ListAndWatchResponse next() throws InterruptedException {
      ListAndWatchResponse r = updates.poll(10, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no ListAndWatch message within 10 s; errors " + streamErrors);
      }
      return r;
    }

    AllocateResponse allocate(List<List<String>> ids) {
      AllocateRequest.Builder b = AllocateRequest.newBuilder();
      for (List<String> c : ids) {
        b.addContainerRequests(ContainerAllocateRequest.newBuilder().addAllDevicesIds(c));
      }
      return DevicePluginGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).allocate(b.build());
    }

    PreferredAllocationResponse preferred(PreferredAllocationRequest req) {
      return DevicePluginGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).getPreferredAllocation(req);
    }
  }

  private final Path dir;
  private final UdsTransport transport = UdsTransport.auto();
  private final EventLoopGroup group = transport.newGroup(1, "fake-kubelet");
  private final ExecutorService executor =
      Executors.newCachedThreadPool(UdsTransport.daemonFactory("fake-kubelet-rpc"));
  final BlockingQueue<RegisterRequest> registrations = new LinkedBlockingQueue<>();
  final Map<String, Connection> connections = new ConcurrentHashMap<>();
  final BlockingQueue<String> authorities = new LinkedBlockingQueue<>();
  volatile Status rejectWith;
  private Server server;

  public FakeKubelet(Path dir) {
    this.dir = dir;
  }

  Path socket() {
    return dir.resolve(PluginSupervisor.KUBELET_SOCKET);
  }

  public FakeKubelet start() throws IOException {
    ServerInterceptor authority = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String a = call.getAuthority();
        authorities.add(a == null ? "<none>" : a);
        return next.startCall(call, headers);
      }
    };
    server = transport.startServer(socket(), group, executor,
        () -> ServerInterceptors.intercept(new Registration(), authority));
    return this;
  }

  /** Waits for the next registration of {@code resource} and returns its connection. */
  public Connection awaitRegistration(String resource) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      RegisterRequest r = registrations.poll(100, TimeUnit.MILLISECONDS);
      if (r != null && r.getResourceName().equals(resource)) {
        return connections.get(resource);
      }
    }
    throw new AssertionError("no registration of " + resource + " within 10 s");
  }

  /** Returns the resources currently registered. */
  public java.util.Set<String> registeredResources() {
    return java.util.Set.copyOf(connections.keySet());
  }

  /** Returns the current connection of {@code resource}, or waits for its registration. */
  public Connection awaitRegistrationOrCurrent(String resource) throws InterruptedException {
    Connection c = connections.get(resource);
    return c != null ? c : awaitRegistration(resource);
  }

  /** Simulates a kubelet restart: stop, delete every socket in the directory, start again. */
  void restart() throws IOException {
    stop();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        PosixFileAttributes a =
            Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isOther()) {
          Files.delete(p);
        }
      }
    }
    start();
  }

  private void stop() {
    if (server != null) {
      server.shutdownNow();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server = null;
    }
    for (Connection c : connections.values()) {
      c.channel.shutdownNow();
    }
    connections.clear();
  }

  @Override
  public void close() {
    stop();
    executor.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static boolean isExtendedResourceName(String name) {
    int slash = name.indexOf('/');
    if (slash <= 0 || name.contains("kubernetes.io/") || name.startsWith("requests.")) {
      return false;
    }
    String prefix = "requests." + name.substring(0, slash);
    String local = name.substring(slash + 1);
    return prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()
        && local.length() <= 63 && NAME.matcher(local).matches();
  }

  private final class Registration extends RegistrationGrpc.RegistrationImplBase {
    @Override
    public void register(RegisterRequest req, StreamObserver<Empty> out) {
      Status reject = rejectWith;
      if (reject != null) {
        out.onError(reject.asRuntimeException());
        return;
      }
      if (!req.getVersion().equals("v1beta1")) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("unsupported version").asException());
        return;
      }
      if (!isExtendedResourceName(req.getResourceName())) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("invalid resource name").asException());
        return;
      }
      if (req.getEndpoint().isEmpty() || req.getEndpoint().contains("/")) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("endpoint not a file name").asException());
        return;
      }
      // Dial back synchronously, before answering, as the kubelet does.
      ManagedChannel ch = transport.channel(dir.resolve(req.getEndpoint()), group);
      DevicePluginOptions options;
      try {
        options = DevicePluginGrpc.newBlockingStub(ch).withWaitForReady()
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getDevicePluginOptions(Empty.getDefaultInstance());
      } catch (RuntimeException e) {
        ch.shutdownNow();
        out.onError(Status.UNAVAILABLE.withDescription("dial-back failed: " + e).asException());
        return;
      }
      Connection c = new Connection(req, ch, options);
      Connection old = connections.put(req.getResourceName(), c);
      if (old != null) {
        old.channel.shutdownNow();
      }
      // The stream outlives this Register call, so it must not inherit its (soon cancelled) context.
      io.grpc.Context.ROOT.run(() -> DevicePluginGrpc.newStub(ch).listAndWatch(Empty.getDefaultInstance(),
          new StreamObserver<>() {
            @Override
            public void onNext(ListAndWatchResponse value) {
              c.updates.add(value);
            }

            @Override
            public void onError(Throwable t) {
              c.streamErrors.add(t);
            }

            @Override
            public void onCompleted() {
              c.completed = true;
            }
          }));
      registrations.add(req);
      out.onNext(Empty.getDefaultInstance());
      out.onCompleted();
    }
  }
}
