package io.kubesgx.policy;

/** A grammar version of the MAA policy language, declared by the policy's {@code version=} line. */
public enum PolicyVersion {
  /** Grammar 1.0: {@code authorizationrules} and {@code issuancerules}. */
  V1_0("1.0"),
  /** Grammar 1.1: adds {@code configurationrules}. */
  V1_1("1.1"),
  /** Grammar 1.2: as 1.1, plus functions (JmesPath and friends) and the not-condition {@code !}. */
  V1_2("1.2");

  private final String text;

  PolicyVersion(String text) {
    this.text = text;
  }

  /** Returns the version as written in a policy, for example {@code "1.1"}. */
  @Override
  public String toString() {
    return text;
  }

  /** Returns the version written as {@code text}, or null if it is not a supported version. */
  static PolicyVersion fromText(String text) {
    for (PolicyVersion v : values()) {
      if (v.text.equals(text)) {
        return v;
      }
    }
    return null;
  }
}
