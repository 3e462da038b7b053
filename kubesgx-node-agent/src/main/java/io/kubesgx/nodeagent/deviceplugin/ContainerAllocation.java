package io.kubesgx.nodeagent.deviceplugin;

import java.util.List;
import java.util.Map;

/**
 * What one container receives from {@code Allocate}.
 *
 * @param envs environment variables
 * @param mounts host directories to mount
 * @param devices device nodes to expose
 * @param annotations runtime annotations
 * @param cdiDevices fully qualified CDI device names
 */
public record ContainerAllocation(
    Map<String, String> envs,
    List<MountSpec> mounts,
    List<DeviceNodeSpec> devices,
    Map<String, String> annotations,
    List<String> cdiDevices) {

  /** Copies every collection. */
  public ContainerAllocation {
    envs = Map.copyOf(envs);
    mounts = List.copyOf(mounts);
    devices = List.copyOf(devices);
    annotations = Map.copyOf(annotations);
    cdiDevices = List.copyOf(cdiDevices);
  }

  /**
   * A device node as the kubelet passes it to the runtime.
   *
   * @param hostPath path on the host
   * @param containerPath path inside the container
   * @param permissions cgroup device permissions ({@code rw})
   */
  public record DeviceNodeSpec(String hostPath, String containerPath, String permissions) {}

  /**
   * A host directory mounted into the container.
   *
   * @param hostPath path on the host
   * @param containerPath path inside the container
   * @param readOnly mount read-only
   */
  public record MountSpec(String hostPath, String containerPath, boolean readOnly) {}
}
