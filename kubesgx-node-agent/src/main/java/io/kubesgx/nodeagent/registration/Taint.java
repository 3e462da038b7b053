package io.kubesgx.nodeagent.registration;

import java.util.Objects;
import java.util.Set;

/**
 * A node taint written as {@code key=value:Effect} or {@code key:Effect}.
 *
 * @param key taint key
 * @param value taint value (may be empty)
 * @param effect {@code NoSchedule}, {@code PreferNoSchedule} or {@code NoExecute}
 */
public record Taint(String key, String value, String effect) {
  /** The default startup taint: the cluster autoscaler ignores {@code ignore-taint…} taints. */
  public static final String DEFAULT_STARTUP =
      io.kubesgx.common.sgx.SgxNodeConventions.STARTUP_TAINT_KEY + "=true:NoSchedule";

  private static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");

  /** Validates the taint. */
  public Taint {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    if (key.isEmpty() || !EFFECTS.contains(effect)) {
      throw new IllegalArgumentException("bad taint " + key + "=" + value + ":" + effect);
    }
  }

  /** Parses {@code key=value:Effect} or {@code key:Effect}. */
  public static Taint parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("taint must be key=value:Effect, got " + text);
    }
    String kv = text.substring(0, colon);
    int eq = kv.indexOf('=');
    return eq < 0
        ? new Taint(kv, "", text.substring(colon + 1))
        : new Taint(kv.substring(0, eq), kv.substring(eq + 1), text.substring(colon + 1));
  }

  /** Returns whether this taint has the same key and effect as the given one (as kubectl matches). */
  public boolean sameKeyAndEffect(Taint other) {
    return key.equals(other.key) && effect.equals(other.effect);
  }

  @Override
  public String toString() {
    return key + (value.isEmpty() ? "" : "=" + value) + ":" + effect;
  }
}
