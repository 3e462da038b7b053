package io.kubesgx.nodeagent.deviceplugin;

import io.kubesgx.proto.deviceplugin.v1beta1.Device;
import io.kubesgx.proto.deviceplugin.v1beta1.ListAndWatchResponse;
import io.kubesgx.proto.deviceplugin.v1beta1.NUMANode;
import io.kubesgx.proto.deviceplugin.v1beta1.TopologyInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The immutable list of devices one plugin advertises, described compactly.
 *
 * <p>Device {@code i} has ID {@code prefix + base36(i)}; EPC uses an empty prefix so that a
 * 128 GiB EPC list stays far below the kubelet's 4 MiB message limit (kubelet-device-plugin.md
 * §6). Health is shared: SGX devices share the platform's fate (§5.5).
 */
public final class DeviceSet {
  /** Health string for a usable device (API constant). */
  public static final String HEALTHY = "Healthy";
  /** Health string for an unusable device (API constant). */
  public static final String UNHEALTHY = "Unhealthy";

  private final String resourceName;
  private final String idPrefix;
  private final int count;
  private final List<NumaRange> numa;
  private final boolean healthy;

  private DeviceSet(
      String resourceName, String idPrefix, int count, List<NumaRange> numa, boolean healthy) {
    this.resourceName = Objects.requireNonNull(resourceName, "resourceName");
    this.idPrefix = Objects.requireNonNull(idPrefix, "idPrefix");
    if (count < 0) {
      throw new IllegalArgumentException("negative device count");
    }
    this.count = count;
    this.numa = List.copyOf(numa);
    int next = 0;
    for (NumaRange r : this.numa) {
      if (r.start() != next) {
        throw new IllegalArgumentException("NUMA ranges must be contiguous from 0");
      }
      next = r.end();
    }
    if (!this.numa.isEmpty() && next != count) {
      throw new IllegalArgumentException("NUMA ranges cover " + next + " of " + count + " devices");
    }
    this.healthy = healthy;
  }

  /** Creates a set of {@code count} devices, with NUMA ranges covering all or none of them. */
  public static DeviceSet of(
      String resourceName, String idPrefix, int count, List<NumaRange> numa, boolean healthy) {
    return new DeviceSet(resourceName, idPrefix, count, numa, healthy);
  }

  /** Creates share slots without topology, IDs {@code prefix0}, {@code prefix1}, …. */
  public static DeviceSet slots(String resourceName, String idPrefix, int count, boolean healthy) {
    return new DeviceSet(resourceName, idPrefix, count, List.of(), healthy);
  }

  /** Returns the resource name. */
  public String resourceName() {
    return resourceName;
  }

  /** Returns the number of devices. */
  public int count() {
    return count;
  }

  /** Returns whether every device is healthy. */
  public boolean healthy() {
    return healthy;
  }

  /** Returns the NUMA ranges (empty when no topology is advertised). */
  public List<NumaRange> numaRanges() {
    return numa;
  }

  /** Returns the same devices with the given health. */
  public DeviceSet withHealth(boolean newHealth) {
    return newHealth == healthy ? this : new DeviceSet(resourceName, idPrefix, count, numa, newHealth);
  }

  /** Returns the ID of device {@code index}. */
  public String id(int index) {
    Objects.checkIndex(index, count);
    return idPrefix + Integer.toString(index, 36);
  }

  /** Returns the index of {@code id}, or -1 if it names no device of this set. */
  public int indexOf(String id) {
    int start = idPrefix.length();
    int len = id.length();
    if (!id.startsWith(idPrefix) || len == start || len > 63) {
      return -1;
    }
    // Parsed in place (no substring): this runs for every device ID of every Allocate call.
    if (len - start > 1 && id.charAt(start) == '0') {
      return -1;
    }
    int v = 0;
    for (int i = start; i < len; i++) {
      char ch = id.charAt(i);
      int d;
      if (ch >= '0' && ch <= '9') {
        d = ch - '0';
      } else if (ch >= 'a' && ch <= 'z') {
        d = ch - 'a' + 10;
      } else {
        return -1;
      }
      if (v > (Integer.MAX_VALUE - d) / 36) {
        return -1;
      }
      v = v * 36 + d;
    }
    return v < count ? v : -1;
  }

  /** Returns the NUMA node of device {@code index}, or -1 when no topology is advertised. */
  public int numaNodeOf(int index) {
    Objects.checkIndex(index, count);
    for (NumaRange r : numa) {
      if (index < r.end()) {
        return r.node();
      }
    }
    return -1;
  }

  /**
   * Returns the complete list as the kubelet receives it.
   *
   * <p>Built on demand and not kept: lists are sent rarely (registration, health changes), and a
   * 64 GiB list would otherwise pin several MiB of heap in a process meant to stay small.
   */
  public ListAndWatchResponse toProto() {
    return build();
  }

  private ListAndWatchResponse build() {
    ListAndWatchResponse.Builder b = ListAndWatchResponse.newBuilder();
    String health = healthy ? HEALTHY : UNHEALTHY;
    List<TopologyInfo> topo = new ArrayList<>();
    for (NumaRange r : numa) {
      topo.add(TopologyInfo.newBuilder().addNodes(NUMANode.newBuilder().setID(r.node())).build());
    }
    int range = 0;
    for (int i = 0; i < count; i++) {
      Device.Builder d = Device.newBuilder().setID(id(i)).setHealth(health);
      if (!numa.isEmpty()) {
        while (i >= numa.get(range).end()) {
          range++;
        }
        d.setTopology(topo.get(range));
      }
      b.addDevices(d);
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceSet s
        && s.resourceName.equals(resourceName)
        && s.idPrefix.equals(idPrefix)
        && s.count == count
        && s.numa.equals(numa)
        && s.healthy == healthy;
  }

  @Override
  public int hashCode() {
    return Objects.hash(resourceName, idPrefix, count, numa, healthy);
  }

  @Override
  public String toString() {
    return resourceName + "[" + count + " devices, " + (healthy ? HEALTHY : UNHEALTHY)
        + (numa.isEmpty() ? "" : ", NUMA " + numa) + "]";
  }
}
