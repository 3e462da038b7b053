package io.kubesgx.nodeagent.deviceplugin;

/**
 * A run of consecutive device indexes that share one NUMA node.
 *
 * @param node NUMA node number
 * @param start first device index
 * @param count number of devices
 */
public record NumaRange(int node, int start, int count) {
  /** Validates the range. */
  public NumaRange {
    if (node < 0 || start < 0 || count < 0) {
      throw new IllegalArgumentException("negative NUMA range field");
    }
  }

  /** Returns one past the last index. */
  public int end() {
    return start + count;
  }
}
