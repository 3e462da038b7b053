package io.kubesgx.nodeagent.enforcement;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.nodeagent.discovery.MiscCgroupFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code sgx_epc <bytes>} to each EPC-requesting container's {@code misc.max}.
 *
 * <p>Kubernetes forbids overcommitting extended resources, but the kernel pages EPC between
 * enclaves freely; the misc cgroup limit makes a container's EPC request a hard ceiling
 * (kubernetes-sgx.md §10, pain point 8). When the kernel has no {@code sgx_epc} misc resource the
 * enforcer reports itself unavailable and does nothing.
 */
public final class EpcEnforcer {
  private static final Logger LOG = LoggerFactory.getLogger(EpcEnforcer.class);

  /**
   * What one reconciliation did.
   *
   * @param written limits newly written
   * @param unchanged limits already correct
   * @param missing containers whose cgroup was not found (not started yet, or unknown layout)
   * @param failed writes that failed
   */
  public record Report(int written, int unchanged, int missing, int failed) {}

  private final CgroupLocator locator;
  private final boolean available;
  private final String unavailableReason;
  private final AtomicLong writtenTotal = new AtomicLong();

  /**
   * Creates an enforcer.
   *
   * @param available whether the host's misc cgroup has {@code sgx_epc}
   */
  public EpcEnforcer(CgroupLocator locator, boolean available) {
    this.locator = locator;
    this.available = available;
    this.unavailableReason = available ? "" : "the kernel's misc cgroup has no sgx_epc resource "
        + "(needs cgroup v2 and a kernel with the SGX EPC cgroup controller); EPC requests are "
        + "scheduler accounting only on this node";
  }

  /** Returns whether enforcement is possible on this node. */
  public boolean available() {
    return available;
  }

  /** Returns why enforcement is unavailable, or an empty string. */
  public String unavailableReason() {
    return unavailableReason;
  }

  /** Returns how many limits were written since start. */
  public long writtenTotal() {
    return writtenTotal.get();
  }

  /** Returns the line written to {@code misc.max} for a request (pure). */
  public static String miscMaxLine(long epcBytes) {
    return MiscCgroupFile.SGX_EPC + " " + epcBytes + "\n";
  }

  /** Applies limits for every container in {@code containers}. */
  public Report reconcile(List<ContainerEpc> containers) {
    if (!available) {
      return new Report(0, 0, 0, 0);
    }
    int written = 0;
    int unchanged = 0;
    int missing = 0;
    int failed = 0;
    List<String> missingNames = new ArrayList<>();
    for (ContainerEpc c : containers) {
      Optional<Path> dir = locator.find(c.podUid(), c.containerId());
      if (dir.isEmpty()) {
        missing++;
        missingNames.add(c.namespace() + "/" + c.pod() + "/" + c.container());
        continue;
      }
      Path max = dir.get().resolve("misc.max");
      try {
        if (Files.exists(max)) {
          Long cur = MiscCgroupFile.parse(Files.readString(max, StandardCharsets.UTF_8))
              .get(MiscCgroupFile.SGX_EPC);
          if (cur != null && cur == c.epcBytes()) {
            unchanged++;
            continue;
          }
        }
        Files.writeString(max, miscMaxLine(c.epcBytes()), StandardCharsets.UTF_8);
        written++;
        writtenTotal.incrementAndGet();
        LOG.info("{}/{}/{}: misc.max sgx_epc = {}", c.namespace(), c.pod(), c.container(),
            c.epcBytes());
      } catch (IOException | MalformedInputException e) {
        failed++;
        LOG.warn("{}/{}/{}: cannot set misc.max: {}", c.namespace(), c.pod(), c.container(),
            e.toString());
      }
    }
    if (missing > 0) {
      LOG.debug("EPC cgroups not found yet for {}", missingNames);
    }
    return new Report(written, unchanged, missing, failed);
  }
}
