package io.kubesgx.webhook.rules;

import java.util.Optional;
import java.util.OptionalLong;

/** Source of the largest SGX node's EPC size, for the size check. */
@FunctionalInterface
public interface NodeEpcCapacity {
  /**
   * The result of a look-up.
   *
   * @param largestBytes EPC of the largest SGX node; empty when unknown
   * @param skipped why the size check cannot be made, if it cannot
   */
  record Largest(OptionalLong largestBytes, Optional<String> skipped) {}

  /** Returns the largest node's EPC, or why it is unknown. Must not block for long or throw. */
  Largest largest();

  /** A source that always skips the check with the given reason. */
  static NodeEpcCapacity skipped(String why) {
    Largest l = new Largest(OptionalLong.empty(), Optional.of(why));
    return () -> l;
  }

  /** A fixed size (tests). */
  static NodeEpcCapacity fixed(long bytes) {
    Largest l = new Largest(OptionalLong.of(bytes), Optional.empty());
    return () -> l;
  }
}
