package io.kubesgx.nodeagent.enforcement;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import io.kubesgx.nodeagent.discovery.Sizes;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Extracts the running containers' EPC requests from pods (pure). */
public final class PodEpcExtractor {
  private PodEpcExtractor() {}

  /** Returns one entry per running container that requests EPC. */
  public static List<ContainerEpc> extract(List<Pod> pods) {
    List<ContainerEpc> out = new ArrayList<>();
    for (Pod p : pods) {
      if (p.getSpec() == null || p.getStatus() == null || p.getMetadata() == null
          || p.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (Container c : p.getSpec().getContainers()) {
        long bytes = epcBytes(c);
        if (bytes <= 0) {
          continue;
        }
        for (ContainerStatus s : p.getStatus().getContainerStatuses()) {
          if (c.getName().equals(s.getName()) && s.getContainerID() != null) {
            String id = s.getContainerID();
            int scheme = id.indexOf("://");
            id = scheme >= 0 ? id.substring(scheme + 3) : id;
            try {
              out.add(new ContainerEpc(p.getMetadata().getUid(), p.getMetadata().getNamespace(),
                  p.getMetadata().getName(), c.getName(), id, bytes));
            } catch (RuntimeException e) {
              // Unexpected UID or ID formats are skipped rather than used in paths.
            }
          }
        }
      }
    }
    return out;
  }

  /** Returns a container's EPC limit in bytes (limits win; requests equal limits for these). */
  public static long epcBytes(Container c) {
    if (c.getResources() == null) {
      return 0;
    }
    Map<String, Quantity> res = c.getResources().getLimits();
    if (res == null || res.isEmpty()) {
      res = c.getResources().getRequests();
    }
    if (res == null) {
      return 0;
    }
    BigDecimal total = BigDecimal.ZERO;
    Quantity mib = res.get(ResourceNames.EPC_MIB);
    if (mib != null) {
      total = total.add(mib.getNumericalAmount().multiply(BigDecimal.valueOf(Sizes.MIB)));
    }
    Quantity bytes = res.get(ResourceNames.EPC_BYTES);
    if (bytes != null) {
      total = total.add(bytes.getNumericalAmount());
    }
    try {
      return total.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    } catch (ArithmeticException e) {
      return 0;
    }
  }
}
