package io.kubesgx.policy;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@code authorizationrules} then {@code issuancerules}: the decision, a human
 * readable reason, the outgoing (token) claims, the property claims and the final incoming set.
 */
public record Evaluation(
    boolean permitted,
    String decisionDetail,
    List<Claim> issued,
    List<Claim> properties,
    List<Claim> incomingAfter) {
  /** Makes unmodifiable copies of the lists and rejects a null detail. */
  public Evaluation {
    Objects.requireNonNull(decisionDetail, "decisionDetail");
    issued = List.copyOf(issued);
    properties = List.copyOf(properties);
    incomingAfter = List.copyOf(incomingAfter);
  }
}
