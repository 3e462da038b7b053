package io.kubesgx.nodeagent.deviceplugin;

import io.kubesgx.nodeagent.discovery.Sizes;
import io.kubesgx.proto.deviceplugin.v1beta1.Device;
import io.kubesgx.proto.deviceplugin.v1beta1.NUMANode;
import io.kubesgx.proto.deviceplugin.v1beta1.TopologyInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How many per-MiB EPC devices to advertise, after applying the configured cap and the message
 * size budget.
 *
 * @param devices the device set to advertise
 * @param wantedMiB EPC the node has, in whole MiB
 * @param capReason why fewer than {@code wantedMiB} devices are advertised, if they are
 */
public record EpcPlan(DeviceSet devices, long wantedMiB, Optional<String> capReason) {
  /** The kubelet's receive limit (grpc-go default, not overridden: kubelet-device-plugin.md §6). */
  public static final int KUBELET_MAX_MESSAGE = 4 * 1024 * 1024;
  /** Default budget for one ListAndWatch message, well below the kubelet's limit. */
  public static final int DEFAULT_BUDGET = 3 * 1024 * 1024;

  /** Returns whether a cap applied. */
  public boolean capped() {
    return capReason.isPresent();
  }

  /**
   * Plans the EPC device list.
   *
   * @param epcPerNumaNode EPC bytes per NUMA node; one entry per node (node 0 when unknown)
   * @param numaTopology advertise NUMA topology on each device
   * @param maxDevices configured maximum number of devices
   * @param byteBudget maximum serialized size of the ListAndWatch message
   */
  public static EpcPlan plan(
      Map<Integer, Long> epcPerNumaNode, boolean numaTopology, long maxDevices, int byteBudget) {
    List<int[]> nodes = new ArrayList<>(); // {node, MiB}
    long wanted = 0;
    for (Map.Entry<Integer, Long> e : new java.util.TreeMap<>(epcPerNumaNode).entrySet()) {
      long mib = e.getValue() / Sizes.MIB;
      wanted += mib;
      nodes.add(new int[] {e.getKey(), (int) Math.min(mib, Integer.MAX_VALUE)});
    }
    long limit = Math.min(wanted, Math.max(0, Math.min(maxDevices, Integer.MAX_VALUE)));
    String reason = null;
    if (limit < wanted) {
      reason = "configured maximum of " + maxDevices + " EPC devices";
    }
    // Binary search for the largest count that fits the byte budget.
    int lo = 0;
    int hi = (int) limit;
    SizeModel model = new SizeModel();
    if (model.size(scale(nodes, hi, wanted), numaTopology) > byteBudget) {
      while (lo < hi) {
        int mid = (int) (((long) lo + hi + 1) / 2);
        if (model.size(scale(nodes, mid, wanted), numaTopology) <= byteBudget) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      limit = lo;
      reason = "ListAndWatch message budget of " + byteBudget + " bytes (kubelet limit "
          + KUBELET_MAX_MESSAGE + ")";
    }
    List<NumaRange> ranges = scale(nodes, (int) limit, wanted);
    int total = 0;
    for (NumaRange r : ranges) {
      total += r.count();
    }
    DeviceSet set = DeviceSet.of(
        ResourceNames.EPC_MIB, "", total, numaTopology ? ranges : List.of(), true);
    if (reason != null) {
      reason = "advertising " + total + " of " + wanted + " MiB of EPC: " + reason;
    }
    return new EpcPlan(set, wanted, Optional.ofNullable(reason));
  }

  /** Distributes {@code target} devices over the nodes in proportion to their EPC. */
  private static List<NumaRange> scale(List<int[]> nodes, int target, long wanted) {
    List<NumaRange> out = new ArrayList<>();
    int start = 0;
    long assigned = 0;
    long cumulative = 0;
    for (int[] n : nodes) {
      cumulative += n[1];
      long upTo = wanted == 0 ? 0 : cumulative * target / wanted;
      int c = (int) (upTo - assigned);
      assigned = upTo;
      out.add(new NumaRange(n[0], start, c));
      start += c;
    }
    return out;
  }

  /** Computes exact serialized sizes from per-(ID length, node) device sizes. */
  private static final class SizeModel {
    private final Map<Long, Integer> cache = new HashMap<>();

    long size(List<NumaRange> ranges, boolean topology) {
      long total = 0;
      for (NumaRange r : ranges) {
        int i = r.start();
        while (i < r.end()) {
          int len = Integer.toString(i, 36).length();
          int runEnd = (int) Math.min(r.end(), pow36(len));
          total += (long) (runEnd - i) * deviceSize(len, topology ? r.node() : -1);
          i = runEnd;
        }
      }
      return total;
    }

    private static long pow36(int len) {
      long p = 1;
      for (int k = 0; k < len && p < Integer.MAX_VALUE; k++) {
        p *= 36;
      }
      return p;
    }

    private int deviceSize(int idLen, int node) {
      long key = ((long) idLen << 32) | (node & 0xffffffffL);
      return cache.computeIfAbsent(key, k -> {
        Device.Builder d = Device.newBuilder().setID("z".repeat(idLen))
            .setHealth(DeviceSet.UNHEALTHY);
        if (node >= 0) {
          d.setTopology(TopologyInfo.newBuilder().addNodes(NUMANode.newBuilder().setID(node)));
        }
        int s = d.build().getSerializedSize();
        // Field tag (1 byte) plus length varint of the repeated `devices` entry.
        return 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(s) + s;
      });
    }
  }
}
