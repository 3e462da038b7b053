package io.kubesgx.webhook.nodelabel;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubesgx.common.sgx.SgxNodeConventions;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Keeps the node label {@code kubesgx.io/quote-helper-ready} equal to whether the quote helper's
 * socket answers (kubernetes-sgx.md §10 rows 1–2). One call of {@link #reconcile()} is one pass.
 */
public final class QuoteHelperReadiness {
  /** The outcome of one pass. */
  public enum Outcome {
    /** The label already matched. */
    UNCHANGED,
    /** The label was set to {@code true}. */
    LABELLED,
    /** The label was removed. */
    UNLABELLED,
    /** The node does not exist. */
    NODE_NOT_FOUND
  }

  private final KubernetesClient client;
  private final String node;
  private final BooleanSupplier probe;

  /**
   * Creates the reconciler.
   *
   * @param probe returns whether the socket answers a real request; must not throw
   */
  public QuoteHelperReadiness(KubernetesClient client, String node, BooleanSupplier probe) {
    this.client = Objects.requireNonNull(client);
    this.node = Objects.requireNonNull(node);
    this.probe = Objects.requireNonNull(probe);
  }

  /** Probes the socket and sets or removes the label (JSON merge patch) when it differs. */
  public Outcome reconcile() {
    return apply(probe.getAsBoolean());
  }

  /** Removes the label (on shutdown: a helper that is going away is not ready). */
  public Outcome withdraw() {
    return apply(false);
  }

  private Outcome apply(boolean ready) {
    Node n = client.nodes().withName(node).get();
    if (n == null) {
      return Outcome.NODE_NOT_FOUND;
    }
    String key = SgxNodeConventions.QUOTE_HELPER_READY_LABEL;
    String cur = n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get(key);
    if (ready == "true".equals(cur)) {
      return Outcome.UNCHANGED;
    }
    String patch = "{\"metadata\":{\"labels\":{\"" + key + "\":" + (ready ? "\"true\"" : "null")
        + "}}}";
    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    return ready ? Outcome.LABELLED : Outcome.UNLABELLED;
  }
}
