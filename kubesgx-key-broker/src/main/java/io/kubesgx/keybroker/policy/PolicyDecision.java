package io.kubesgx.keybroker.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of evaluating a release policy.
 *
 * @param allowed whether the policy holds
 * @param failures the conditions that failed (empty when allowed)
 */
public record PolicyDecision(boolean allowed, List<Failure> failures) {
  /**
   * One failed condition.
   *
   * @param claim the claim the condition is about ({@code iss} for an authority mismatch)
   * @param detail why it failed, with the claim's value (for administrators and the audit log only)
   */
  public record Failure(String claim, String detail) {}

  /** Copies the list. */
  public PolicyDecision {
    failures = List.copyOf(failures);
  }

  static PolicyDecision allow() {
    return new PolicyDecision(true, List.of());
  }

  static PolicyDecision deny(List<Failure> failures) {
    return new PolicyDecision(false, failures);
  }

  /** Returns the full explanation: every failed condition with its detail. */
  public String adminDetail() {
    return failures.stream().map(f -> f.claim() + ": " + f.detail()).collect(Collectors.joining("; "));
  }

  /** Returns only the names of the claims whose conditions failed, for callers. */
  public String callerDetail() {
    return failures.stream().map(Failure::claim).distinct().collect(Collectors.joining(", "));
  }
}
