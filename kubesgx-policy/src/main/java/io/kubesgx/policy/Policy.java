package io.kubesgx.policy;

import io.kubesgx.policy.Ast.Rule;
import io.kubesgx.policy.Ast.Section;
import io.kubesgx.policy.Ast.Verb;
import java.util.List;
import java.util.Objects;

/**
 * An immutable, pre-compiled MAA attestation policy (grammar 1.0, 1.1 or 1.2), safe to evaluate
 * from many threads at once.
 *
 * <p>Usage:
 *
 * <pre>{@code
 * Policy policy = Policy.parse(text);                       // PolicyParseException with line/column
 * ConfigurationResult cfg = policy.configure(claims);       // configurationrules (1.1+)
 * Evaluation result = policy.evaluate(cfg.incomingAfter()); // authorizationrules, issuancerules
 * if (result.permitted()) { token claims = result.issued(); }
 * }</pre>
 *
 * <p>Semantics (sources: Microsoft Learn pages claim-rule-grammar, policy-version-1-0/1-1/1-2,
 * claim-rule-functions; AD FS "Using Claim Rules for Authorization" for permit/deny combination):
 * rules run in the order written; a rule fires when every condition holds, a condition holding
 * when at least one claim satisfies all its property tests; claims added by a rule are visible to
 * later rules and to later sections. Authorization is deny-by-default and deny-overrides: the
 * first {@code deny()} that fires stops evaluation with a denial; otherwise the attestation is
 * permitted only if some {@code permit()} fired. Issuance rules run only when permitted and never
 * fail the attestation: a rule that cannot be evaluated is skipped. An authorization rule that
 * cannot be evaluated denies (fail closed).
 */
public final class Policy {
  private final PolicyVersion version;
  private final String text;
  private final List<Rule> configuration;
  private final List<Rule> authorization;
  private final List<Rule> issuance;

  private Policy(PolicyVersion version, String text, PolicyParser.Parsed parsed) {
    this.version = version;
    this.text = text;
    this.configuration = parsed.sections().get(Section.CONFIGURATION);
    this.authorization = parsed.sections().get(Section.AUTHORIZATION);
    this.issuance = parsed.sections().get(Section.ISSUANCE);
  }

  /**
   * Parses and compiles policy text.
   *
   * @throws PolicyParseException if the text is not a valid policy for its declared version,
   *     exceeds 64 KiB or 1,000 rules, or nests function calls too deeply
   */
  public static Policy parse(String text) throws PolicyParseException {
    Objects.requireNonNull(text, "text");
    PolicyParser.Parsed parsed = PolicyParser.parse(text);
    return new Policy(parsed.version(), text, parsed);
  }

  /** Returns the grammar version the policy declares. */
  public PolicyVersion version() {
    return version;
  }

  /** Returns the original policy text. */
  public String text() {
    return text;
  }

  /**
   * Runs only {@code configurationrules}; a 1.0 policy has none, giving no properties. A rule that
   * cannot be evaluated is skipped.
   */
  public ConfigurationResult configure(List<Claim> incoming) {
    Evaluator ev = new Evaluator(Objects.requireNonNull(incoming, "incoming"));
    for (Rule r : configuration) {
      try {
        ev.run(r);
      } catch (Evaluator.EvalException e) {
        // configuration rules cannot fail the attestation; the rule has no effect
      }
    }
    return new ConfigurationResult(ev.properties, ev.incoming);
  }

  /** Runs {@code authorizationrules}, then (if permitted) {@code issuancerules}. */
  public Evaluation evaluate(List<Claim> incoming) {
    Evaluator ev = new Evaluator(Objects.requireNonNull(incoming, "incoming"));
    Rule permittedBy = null;
    for (Rule r : authorization) {
      boolean fired;
      try {
        fired = ev.run(r);
      } catch (Evaluator.EvalException e) {
        return denied(ev, "denied: " + where(r) + " could not be evaluated: " + e.getMessage());
      }
      if (fired && r.action().verb() == Verb.DENY) {
        return denied(ev, "denied by " + where(r));
      }
      if (fired && r.action().verb() == Verb.PERMIT && permittedBy == null) {
        permittedBy = r;
      }
    }
    if (permittedBy == null) {
      return denied(ev, "no permit rule matched");
    }
    for (Rule r : issuance) {
      try {
        ev.run(r);
      } catch (Evaluator.EvalException e) {
        // issuance rules cannot fail the attestation (policy-version-1-0); the rule has no effect
      }
    }
    return new Evaluation(
        true, "permitted by " + where(permittedBy), ev.issued, ev.properties, ev.incoming);
  }

  private static Evaluation denied(Evaluator ev, String detail) {
    return new Evaluation(false, detail, List.of(), List.of(), ev.incoming);
  }

  private static String where(Rule r) {
    return r.section().keyword + " rule " + r.index() + " (line " + r.line() + ")";
  }

  /** Returns the number of rules in each section, configuration first (for diagnostics). */
  int[] ruleCounts() {
    return new int[] {configuration.size(), authorization.size(), issuance.size()};
  }

  @Override
  public String toString() {
    return "Policy[version=" + version + ", rules=" + (configuration.size() + authorization.size()
        + issuance.size()) + "]";
  }
}
