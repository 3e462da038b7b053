package io.kubesgx.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The set of trust anchors a verifier accepts; by default only the pinned Intel production root. */
public final class TrustAnchors {
  private final List<TrustAnchor> anchors;

  private TrustAnchors(List<TrustAnchor> anchors) {
    this.anchors = List.copyOf(anchors);
  }

  /** Returns the default: the pinned Intel SGX Root CA key only. */
  public static TrustAnchors intelOnly() {
    return new TrustAnchors(List.of(TrustAnchor.intelProduction()));
  }

  /** Returns exactly the given anchors (for example a test or simulation root instead of Intel's). */
  public static TrustAnchors of(List<TrustAnchor> anchors) {
    if (anchors.isEmpty()) {
      throw new IllegalArgumentException("at least one trust anchor is required");
    }
    return new TrustAnchors(anchors);
  }

  /** Returns these anchors plus {@code extra}. */
  public TrustAnchors with(TrustAnchor extra) {
    List<TrustAnchor> l = new ArrayList<>(anchors);
    l.add(Objects.requireNonNull(extra));
    return new TrustAnchors(l);
  }

  /** Returns all anchors. */
  public List<TrustAnchor> all() {
    return anchors;
  }
}
