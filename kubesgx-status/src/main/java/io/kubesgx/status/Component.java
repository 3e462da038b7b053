package io.kubesgx.status;

import java.util.Locale;

/**
 * The kubesgx workloads a chart installs, found by the label {@code app.kubernetes.io/component}
 * with {@link #label()}, or else by the name {@code kubesgx-<label>}.
 */
public enum Component {
  /** The admission webhook Deployment. */
  WEBHOOK("webhook", "Deployment"),
  /** The attestation service Deployment. */
  ATTESTATION("attestation", "Deployment"),
  /** The key broker Deployment. */
  KEY_BROKER("key-broker", "Deployment"),
  /** The quote helper DaemonSet. */
  QUOTE_HELPER("quote-helper", "DaemonSet"),
  /** The node agent DaemonSet (device plugins, labels, EPC capacity, startup taint). */
  NODE_AGENT("node-agent", "DaemonSet");

  /** The label carrying the component name. */
  public static final String COMPONENT_LABEL = "app.kubernetes.io/component";

  private final String label;
  private final String kind;

  Component(String label, String kind) {
    this.label = label;
    this.kind = kind;
  }

  /** The value of {@link #COMPONENT_LABEL}, e.g. {@code node-agent}. */
  public String label() {
    return label;
  }

  /** {@code Deployment} or {@code DaemonSet}. */
  public String kind() {
    return kind;
  }

  /** The fallback object name, {@code kubesgx-<label>}. */
  public String defaultName() {
    return "kubesgx-" + label;
  }

  /** The lower-case JSON spelling (the label). */
  @Override
  public String toString() {
    return label.toLowerCase(Locale.ROOT);
  }
}
