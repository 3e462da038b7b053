package io.kubesgx.nodeagent.deviceplugin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.DeviceNodeSpec;
import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.MountSpec;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.AllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.CDIDevice;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerAllocateResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.ContainerPreferredAllocationResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginGrpc;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginOptions;
import io.kubesgx.proto.deviceplugin.v1beta1.DeviceSpec;
import io.kubesgx.proto.deviceplugin.v1beta1.Empty;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.Mount;
import io.kubesgx.proto.deviceplugin.v1beta1.PreStartContainerRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.PreStartContainerResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.PreferredAllocationRequest;
import io.kubesgx.proto.deviceplugin.v1beta1.PreferredAllocationResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The gRPC facade of one {@link DevicePlugin}: translation only, no logic. */
public final class DevicePluginService extends DevicePluginGrpc.DevicePluginImplBase {
  /** Distinct container answers kept in wire form (one per EPC amount in practice). */
  private static final int CACHE_LIMIT = 256;

  private final DevicePlugin plugin;
  /**
   * Wire form of each distinct container answer. Answers are immutable and few (they vary only
   * with the EPC amount, the device nodes present and the policy), so the response message, its
   * maps and its memoized serialized size are built once instead of on every call.
   */
  private final ConcurrentHashMap<ContainerAllocation, ContainerAllocateResponse> wire =
      new ConcurrentHashMap<>();

  /** Serves {@code plugin}. */
  public DevicePluginService(DevicePlugin plugin) {
    this.plugin = plugin;
  }

  @Override
  public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> out) {
    out.onNext(plugin.options());
    out.onCompleted();
  }

  @Override
  public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> out) {
    plugin.subscribe(out);
  }

  @Override
  public void getPreferredAllocation(
      PreferredAllocationRequest request, StreamObserver<PreferredAllocationResponse> out) {
    PreferredAllocationResponse.Builder b = PreferredAllocationResponse.newBuilder();
    for (ContainerPreferredAllocationRequest c : request.getContainerRequestsList()) {
      b.addContainerResponses(ContainerPreferredAllocationResponse.newBuilder()
          .addAllDeviceIDs(NumaPreference.prefer(plugin.devices(), c.getAvailableDeviceIDsList(),
              c.getMustIncludeDeviceIDsList(), c.getAllocationSize())));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> out) {
    int n = request.getContainerRequestsCount();
    List<List<String>> ids;
    if (n == 1) {
      ids = List.of(request.getContainerRequests(0).getDevicesIdsList());
    } else {
      ids = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ids.add(request.getContainerRequests(i).getDevicesIdsList());
      }
    }
    Allocation a = plugin.allocate(ids);
    if (a instanceof Allocation.Rejected r) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(r.reason()).asRuntimeException());
      return;
    }
    AllocateResponse.Builder b = AllocateResponse.newBuilder();
    for (ContainerAllocation c : ((Allocation.Granted) a).containers()) {
      b.addContainerResponses(wireForm(c));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void preStartContainer(
      PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> out) {
    out.onNext(PreStartContainerResponse.getDefaultInstance());
    out.onCompleted();
  }

  private ContainerAllocateResponse wireForm(ContainerAllocation c) {
    ContainerAllocateResponse r = wire.get(c);
    if (r == null) {
      r = toProto(c);
      if (wire.size() >= CACHE_LIMIT) {
        wire.clear();
      }
      wire.putIfAbsent(c, r);
    }
    return r;
  }

  /** Translates one container's allocation to the wire type. */
  static ContainerAllocateResponse toProto(ContainerAllocation c) {
    ContainerAllocateResponse.Builder b = ContainerAllocateResponse.newBuilder()
        .putAllEnvs(c.envs())
        .putAllAnnotations(c.annotations());
    for (MountSpec m : c.mounts()) {
      b.addMounts(Mount.newBuilder().setHostPath(m.hostPath())
          .setContainerPath(m.containerPath()).setReadOnly(m.readOnly()));
    }
    for (DeviceNodeSpec d : c.devices()) {
      b.addDevices(DeviceSpec.newBuilder().setHostPath(d.hostPath())
          .setContainerPath(d.containerPath()).setPermissions(d.permissions()));
    }
    for (String n : c.cdiDevices()) {
      b.addCdiDevices(CDIDevice.newBuilder().setName(n));
    }
    return b.build();
  }
}
