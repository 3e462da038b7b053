package io.kubesgx.nodeagent.deviceplugin;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import io.kubesgx.proto.deviceplugin.v1beta1.DevicePluginOptions;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one device plugin: its devices, the device nodes present and the open streams.
 *
 * <p>All ListAndWatch sends happen under one lock, because a {@code StreamObserver} is not
 * thread-safe (kubelet-device-plugin.md §5.4). Streams end only on {@link #closeStreams}.
 */
public final class DevicePlugin {
  private static final Logger LOG = LoggerFactory.getLogger(DevicePlugin.class);

  private final DeviceRole role;
  private final AllocationPolicy policy;
  private final DevicePluginOptions options;
  private final Object lock = new Object();
  private final List<ServerCallStreamObserver<ListAndWatchResponse>> streams = new ArrayList<>();
  private volatile DeviceSet devices;
  private volatile Set<SgxDeviceNode> present;
  private final AtomicLong allocations = new AtomicLong();
  private final AtomicLong rejections = new AtomicLong();

  /** Creates a plugin serving {@code devices} with the given role and policy. */
  public DevicePlugin(
      DeviceSet devices, DeviceRole role, AllocationPolicy policy, Set<SgxDeviceNode> present,
      boolean preferredAllocation) {
    this.devices = Objects.requireNonNull(devices, "devices");
    this.role = Objects.requireNonNull(role, "role");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.present = Set.copyOf(present);
    this.options = DevicePluginOptions.newBuilder()
        .setPreStartRequired(false)
        .setGetPreferredAllocationAvailable(preferredAllocation)
        .build();
  }

  /** Returns the resource name. */
  public String resourceName() {
    return devices.resourceName();
  }

  /** Returns the options sent at registration and from GetDevicePluginOptions. */
  public DevicePluginOptions options() {
    return options;
  }

  /** Returns the role. */
  public DeviceRole role() {
    return role;
  }

  /** Returns the current devices. */
  public DeviceSet devices() {
    return devices;
  }

  /** Returns the device nodes currently present. */
  public Set<SgxDeviceNode> present() {
    return present;
  }

  /** Returns the allocation policy. */
  public AllocationPolicy policy() {
    return policy;
  }

  /** Returns the number of granted Allocate calls. */
  public long allocations() {
    return allocations.get();
  }

  /** Returns the number of refused Allocate calls. */
  public long rejections() {
    return rejections.get();
  }

  /** Returns the number of open ListAndWatch streams. */
  public int openStreams() {
    synchronized (lock) {
      return streams.size();
    }
  }

  /** Decides an Allocate call and counts the outcome. */
  public Allocation allocate(List<List<String>> requests) {
    Allocation a = Allocator.allocate(requests, devices, role, present, policy);
    if (a instanceof Allocation.Granted) {
      allocations.incrementAndGet();
    } else {
      rejections.incrementAndGet();
      // The API asks for a ListAndWatch update when allocation fails, to correct the kubelet.
      republish();
    }
    return a;
  }

  /** Adds a ListAndWatch stream and sends it the full list. */
  public void subscribe(StreamObserver<ListAndWatchResponse> observer) {
    ServerCallStreamObserver<ListAndWatchResponse> o =
        (ServerCallStreamObserver<ListAndWatchResponse>) observer;
    synchronized (lock) {
      o.setOnCancelHandler(() -> {
        synchronized (lock) {
          streams.remove(o);
        }
      });
      streams.add(o);
      send(o, devices.toProto());
    }
  }

  /** Replaces the devices and device nodes; sends the full list if either changed. */
  public void update(DeviceSet newDevices, Set<SgxDeviceNode> newPresent) {
    synchronized (lock) {
      boolean changed = !newDevices.equals(devices);
      present = Set.copyOf(newPresent);
      if (changed) {
        devices = newDevices;
        LOG.info("{}: now {}", resourceName(), newDevices);
        ListAndWatchResponse msg = newDevices.toProto();
        for (ServerCallStreamObserver<ListAndWatchResponse> o : List.copyOf(streams)) {
          send(o, msg);
        }
      }
    }
  }

  /** Sends the current list to every stream again. */
  public void republish() {
    synchronized (lock) {
      ListAndWatchResponse msg = devices.toProto();
      for (ServerCallStreamObserver<ListAndWatchResponse> o : List.copyOf(streams)) {
        send(o, msg);
      }
    }
  }

  /** Completes every stream (clean shutdown or a kubelet restart). */
  public void closeStreams() {
    synchronized (lock) {
      for (ServerCallStreamObserver<ListAndWatchResponse> o : streams) {
        try {
          o.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("{}: stream already closed", resourceName(), e);
        }
      }
      streams.clear();
    }
  }

  private void send(ServerCallStreamObserver<ListAndWatchResponse> o, ListAndWatchResponse msg) {
    try {
      if (!o.isCancelled()) {
        o.onNext(msg);
      }
    } catch (RuntimeException e) {
      LOG.warn("{}: dropping a ListAndWatch stream: {}", resourceName(), e.toString());
      streams.remove(o);
    }
  }
}
