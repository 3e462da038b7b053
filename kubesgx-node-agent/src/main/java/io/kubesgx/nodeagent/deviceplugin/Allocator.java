package io.kubesgx.nodeagent.deviceplugin;

import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.DeviceNodeSpec;
import io.kubesgx.nodeagent.deviceplugin.ContainerAllocation.MountSpec;
import io.kubesgx.nodeagent.discovery.SgxDeviceNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides {@code Allocate}: a pure function of the request, the advertised devices, the device
 * nodes present and the policy.
 *
 * <p>Device nodes are exposed at their own host paths; with {@link AllocationPolicy#compatAliases}
 * an in-kernel node is also exposed at the older DCAP path and vice versa (kubernetes-sgx.md §5).
 * The legacy {@code /dev/isgx} node serves both roles.
 */
public final class Allocator {
  /** Environment variable that tells the container how much EPC it was given. */
  public static final String ENV_EPC_MIB = "KUBESGX_EPC_MIB";
  /** Environment variable that switches the quote library to out-of-process quoting. */
  public static final String ENV_AESM_ADDR = "SGX_AESM_ADDR";

  /** Requests up to this many device IDs detect duplicates by a linear scan. */
  private static final int SMALL_REQUEST = 64;

  private Allocator() {}

  /** Decides an {@code Allocate} call; {@code requests} holds the device IDs per container. */
  public static Allocation allocate(
      List<List<String>> requests,
      DeviceSet set,
      DeviceRole role,
      Set<SgxDeviceNode> present,
      AllocationPolicy policy) {
    if (!set.healthy()) {
      return Allocation.rejected(set.resourceName() + ": devices are unhealthy");
    }
    int total = 0;
    for (int c = 0; c < requests.size(); c++) {
      total += requests.get(c).size();
    }
    // Duplicate detection sized by the request, not by the device set: a BitSet over 65,536 EPC
    // devices was 8 KiB of garbage per call. Small requests (the usual case) scan linearly.
    int[] seen = total <= SMALL_REQUEST ? new int[total] : null;
    Set<Integer> seenLarge = seen == null ? new HashSet<>(total * 2) : null;
    int n = 0;
    ContainerAllocation[] out = new ContainerAllocation[requests.size()];
    for (int c = 0; c < requests.size(); c++) {
      List<String> ids = requests.get(c);
      if (ids.isEmpty()) {
        return Allocation.rejected("container request " + c + " names no devices");
      }
      for (int k = 0, size = ids.size(); k < size; k++) {
        String id = ids.get(k);
        int index = set.indexOf(id);
        if (index < 0) {
          return Allocation.rejected(set.resourceName() + ": unknown device ID '" + shorten(id) + "'");
        }
        boolean duplicate;
        if (seen != null) {
          duplicate = contains(seen, n, index);
          seen[n++] = index;
        } else {
          duplicate = !seenLarge.add(index);
        }
        if (duplicate) {
          return Allocation.rejected(set.resourceName() + ": device ID '" + id + "' requested twice");
        }
      }
      out[c] = forContainer(ids.size(), role, present, policy);
    }
    return new Allocation.Granted(List.of(out));
  }

  private static boolean contains(int[] a, int n, int v) {
    for (int i = 0; i < n; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  private static String shorten(String id) {
    return id.length() <= 63 ? id : id.substring(0, 63) + "…";
  }

  private static ContainerAllocation forContainer(
      int count, DeviceRole role, Set<SgxDeviceNode> present, AllocationPolicy policy) {
    Map<String, String> envs = new LinkedHashMap<>();
    List<MountSpec> mounts = new ArrayList<>();
    List<DeviceNodeSpec> devices = new ArrayList<>();
    List<String> cdi = new ArrayList<>();
    switch (role) {
      case EPC -> {
        enclaveNodes(present, policy, devices);
        envs.put(ENV_EPC_MIB, Integer.toString(count));
        quoteHelper(policy, envs, mounts);
        policy.cdiKind().ifPresent(k -> cdi.add(k + "=enclave"));
      }
      case ENCLAVE -> {
        enclaveNodes(present, policy, devices);
        quoteHelper(policy, envs, mounts);
        policy.cdiKind().ifPresent(k -> cdi.add(k + "=enclave"));
      }
      case PROVISION -> {
        provisionNodes(present, policy, devices);
        policy.cdiKind().ifPresent(k -> cdi.add(k + "=provision"));
      }
    }
    return new ContainerAllocation(envs, mounts, devices, Map.of(), cdi);
  }

  private static void quoteHelper(
      AllocationPolicy policy, Map<String, String> envs, List<MountSpec> mounts) {
    if (policy.quoteHelper()) {
      envs.put(ENV_AESM_ADDR, "1");
      mounts.add(new MountSpec(policy.aesmSocketDir(), policy.aesmSocketDir(), false));
    }
  }

  private static void enclaveNodes(
      Set<SgxDeviceNode> present, AllocationPolicy policy, List<DeviceNodeSpec> out) {
    pair(present, policy, SgxDeviceNode.SGX_ENCLAVE, SgxDeviceNode.DCAP_ENCLAVE, out);
    if (present.contains(SgxDeviceNode.ISGX)) {
      add(out, SgxDeviceNode.ISGX.hostPath(), SgxDeviceNode.ISGX.hostPath());
    }
  }

  private static void provisionNodes(
      Set<SgxDeviceNode> present, AllocationPolicy policy, List<DeviceNodeSpec> out) {
    pair(present, policy, SgxDeviceNode.SGX_PROVISION, SgxDeviceNode.DCAP_PROVISION, out);
    if (out.isEmpty() && present.contains(SgxDeviceNode.ISGX)) {
      // The legacy driver has no separate provisioning node; provisioning goes through isgx.
      add(out, SgxDeviceNode.ISGX.hostPath(), SgxDeviceNode.ISGX.hostPath());
    }
  }

  private static void pair(
      Set<SgxDeviceNode> present,
      AllocationPolicy policy,
      SgxDeviceNode modern,
      SgxDeviceNode dcap,
      List<DeviceNodeSpec> out) {
    boolean hasModern = present.contains(modern);
    boolean hasDcap = present.contains(dcap);
    if (hasModern) {
      add(out, modern.hostPath(), modern.hostPath());
    }
    if (hasDcap) {
      add(out, dcap.hostPath(), dcap.hostPath());
    }
    if (policy.compatAliases()) {
      if (hasModern && !hasDcap) {
        add(out, modern.hostPath(), dcap.hostPath());
      } else if (hasDcap && !hasModern) {
        add(out, dcap.hostPath(), modern.hostPath());
      }
    }
  }

  private static void add(List<DeviceNodeSpec> out, String host, String container) {
    out.add(new DeviceNodeSpec(host, container, "rw"));
  }
}
