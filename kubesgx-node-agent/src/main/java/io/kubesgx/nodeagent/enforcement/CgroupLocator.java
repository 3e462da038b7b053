package io.kubesgx.nodeagent.enforcement;

import io.kubesgx.nodeagent.discovery.HostRoot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a container's cgroup v2 directory under the host's {@code /sys/fs/cgroup}.
 *
 * <p>Handles the systemd driver layout ({@code kubepods.slice/kubepods-<qos>.slice/
 * kubepods-<qos>-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope}, also {@code crio-}
 * and {@code docker-} scopes) and the cgroupfs layout ({@code kubepods/<qos>/pod<uid>/<id>}).
 */
public final class CgroupLocator {
  private static final int MAX_DEPTH = 4;
  private final Path cgroupRoot;

  /** Searches under the host root's {@code /sys/fs/cgroup}. */
  public CgroupLocator(HostRoot root) {
    this.cgroupRoot = root.resolve("/sys/fs/cgroup");
  }

  /** Returns the container's cgroup directory, if found. */
  public Optional<Path> find(String podUid, String containerId) {
    String dashed = "pod" + podUid;
    String underscored = "pod" + podUid.replace('-', '_');
    for (String top : new String[] {"kubepods.slice", "kubepods"}) {
      Path start = cgroupRoot.resolve(top);
      if (Files.isDirectory(start)) {
        Optional<Path> pod = findDir(start, dashed, underscored, MAX_DEPTH);
        if (pod.isPresent()) {
          return findDir(pod.get(), containerId, containerId, 1);
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> findDir(Path dir, String a, String b, int depth) {
    if (depth == 0) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.endsWith(a) || n.endsWith(b) || n.endsWith(a + ".slice") || n.endsWith(b + ".slice")
            || n.endsWith(a + ".scope")) {
          return Optional.of(p);
        }
      }
      try (DirectoryStream<Path> again = Files.newDirectoryStream(dir, Files::isDirectory)) {
        for (Path p : again) {
          Optional<Path> r = findDir(p, a, b, depth - 1);
          if (r.isPresent()) {
            return r;
          }
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
