package io.kubesgx.nodeagent.discovery;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What discovery reads and whether it simulates EPC.
 *
 * @param hostRoot where the host's {@code /dev}, {@code /proc} and {@code /sys} are visible
 * @param simulateEpcBytes a synthetic EPC size for machines without SGX; empty for real discovery
 * @param cpu which {@code /dev/cpu/N/cpuid} to read
 */
public record DiscoveryOptions(HostRoot hostRoot, OptionalLong simulateEpcBytes, int cpu) {
  /** Validates the options. */
  public DiscoveryOptions {
    Objects.requireNonNull(hostRoot, "hostRoot");
    Objects.requireNonNull(simulateEpcBytes, "simulateEpcBytes");
    if (simulateEpcBytes.isPresent() && simulateEpcBytes.getAsLong() < 0) {
      throw new IllegalArgumentException("negative simulated EPC size");
    }
    if (cpu < 0) {
      throw new IllegalArgumentException("negative CPU index");
    }
  }

  /** Real discovery of the given host root. */
  public static DiscoveryOptions of(HostRoot hostRoot) {
    return new DiscoveryOptions(hostRoot, OptionalLong.empty(), 0);
  }
}
