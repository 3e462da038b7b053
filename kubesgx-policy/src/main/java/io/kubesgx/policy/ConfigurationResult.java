package io.kubesgx.policy;

import java.util.List;

/**
 * The outcome of {@code configurationrules}: the property claims set with {@code issueproperty}
 * and the incoming claim set after the rules ran.
 */
public record ConfigurationResult(List<Claim> properties, List<Claim> incomingAfter) {
  /** Makes unmodifiable copies of both lists. */
  public ConfigurationResult {
    properties = List.copyOf(properties);
    incomingAfter = List.copyOf(incomingAfter);
  }
}
