package io.kubesgx.nodeagent.deviceplugin;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Answers {@code GetPreferredAllocation}: packs EPC devices on one NUMA node where possible.
 *
 * <p>Must-include IDs come first. The remainder is taken from the NUMA node that already holds
 * most must-include devices if it has room, otherwise from the node with the fewest available
 * devices that still fits the whole remainder (best fit, keeping large nodes free), otherwise from
 * nodes in decreasing order of availability. The answer is a hint; the kubelet may ignore it.
 */
public final class NumaPreference {
  private NumaPreference() {}

  /** Returns the preferred IDs for one container; unknown IDs in the request are ignored. */
  public static List<String> prefer(
      DeviceSet set, List<String> available, List<String> mustInclude, int size) {
    Set<String> chosen = new LinkedHashSet<>();
    Map<Integer, Integer> mustPerNode = new TreeMap<>();
    for (String id : mustInclude) {
      int i = set.indexOf(id);
      if (i >= 0 && chosen.size() < Math.max(size, mustInclude.size())) {
        chosen.add(id);
        mustPerNode.merge(set.numaNodeOf(i), 1, Integer::sum);
      }
    }
    Map<Integer, List<String>> byNode = new TreeMap<>();
    for (String id : available) {
      int i = set.indexOf(id);
      if (i >= 0 && !chosen.contains(id)) {
        byNode.computeIfAbsent(set.numaNodeOf(i), k -> new ArrayList<>()).add(id);
      }
    }
    int need = size - chosen.size();
    if (need <= 0) {
      return List.copyOf(chosen);
    }
    List<Integer> order = new ArrayList<>();
    Integer home = mustPerNode.entrySet().stream()
        .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    if (home != null && byNode.getOrDefault(home, List.of()).size() >= need) {
      order.add(home);
    } else {
      Integer best = null;
      for (Map.Entry<Integer, List<String>> e : byNode.entrySet()) {
        int n = e.getValue().size();
        if (n >= need && (best == null || n < byNode.get(best).size())) {
          best = e.getKey();
        }
      }
      if (best != null) {
        order.add(best);
      }
    }
    byNode.entrySet().stream()
        .sorted((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()))
        .forEach(e -> {
          if (!order.contains(e.getKey())) {
            order.add(e.getKey());
          }
        });
    for (int node : order) {
      for (String id : byNode.get(node)) {
        if (need == 0) {
          break;
        }
        chosen.add(id);
        need--;
      }
    }
    return List.copyOf(chosen);
  }
}
