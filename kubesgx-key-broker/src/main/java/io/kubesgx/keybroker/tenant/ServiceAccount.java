package io.kubesgx.keybroker.tenant;

/**
 * A Kubernetes service account whose token was verified by {@link ServiceAccountVerifier}.
 *
 * @param namespace its namespace ({@code kubernetes.io.namespace})
 * @param name its name ({@code kubernetes.io.serviceaccount.name})
 */
public record ServiceAccount(String namespace, String name) {
  /** Returns the Kubernetes user name, {@code system:serviceaccount:NS:NAME}. */
  public String subject() {
    return "system:serviceaccount:" + namespace + ":" + name;
  }
}
