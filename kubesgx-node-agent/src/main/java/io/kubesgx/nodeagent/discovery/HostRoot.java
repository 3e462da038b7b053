package io.kubesgx.nodeagent.discovery;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The directory under which the host's {@code /dev}, {@code /proc} and {@code /sys} are visible.
 *
 * <p>In a DaemonSet the host's root is mounted at, say, {@code /host}; in tests it is a fixture
 * tree. Paths reported to the kubelet are always host paths ({@code /dev/sgx_enclave}); this type
 * only maps them to where the agent can read them.
 */
public record HostRoot(Path root) {
  /** The real root of the machine the agent runs on. */
  public static final HostRoot SYSTEM = new HostRoot(Path.of("/"));

  /** Validates the root. */
  public HostRoot {
    Objects.requireNonNull(root, "root");
    root = root.toAbsolutePath().normalize();
  }

  /** Returns where the absolute host path {@code hostPath} can be read by the agent. */
  public Path resolve(String hostPath) {
    if (!hostPath.startsWith("/")) {
      throw new IllegalArgumentException("not an absolute host path: " + hostPath);
    }
    Path p = root.resolve(hostPath.substring(1)).normalize();
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("host path escapes the host root: " + hostPath);
    }
    return p;
  }
}
