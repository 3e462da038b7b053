package io.kubesgx.policy;

import java.util.List;

/** The compiled, immutable form of a policy's rules, built by {@link PolicyParser}. */
final class Ast {
  private Ast() {}

  /** The three rule sections, in the order MAA requires them (policy-version-1-1). */
  enum Section {
    CONFIGURATION("configurationrules", PolicyVersion.V1_1),
    AUTHORIZATION("authorizationrules", PolicyVersion.V1_0),
    ISSUANCE("issuancerules", PolicyVersion.V1_0);

    final String keyword;
    final PolicyVersion since;

    Section(String keyword, PolicyVersion since) {
      this.keyword = keyword;
      this.since = since;
    }
  }

  /** The claim properties a condition or binding reference can name. */
  enum Prop {
    TYPE("type"),
    VALUE("value"),
    ISSUER("issuer"),
    VALUE_TYPE("valueType");

    final String keyword;

    Prop(String keyword) {
      this.keyword = keyword;
    }

    static Prop fromKeyword(String s) {
      for (Prop p : values()) {
        if (p.keyword.equals(s)) {
          return p;
        }
      }
      return null;
    }
  }

  /** The comparison operators of claim property conditions (claim-rule-grammar). */
  enum Op {
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    boolean ordering() {
      return this != EQ && this != NE;
    }

    static Op fromSymbol(String s) {
      for (Op o : values()) {
        if (o.symbol.equals(s)) {
          return o;
        }
      }
      return null;
    }
  }

  /** The policy-language functions of grammar 1.2 (claim-rule-functions). */
  enum Fn {
    JMES_PATH("JmesPath", 2),
    JSON_TO_CLAIM_VALUE("JsonToClaimValue", 1),
    IS_SUBSET_OF("IsSubsetOf", 2),
    APPEND_STRING("AppendString", 2),
    NEGATE_BOOL("NegateBool", 1),
    CONTAINS_ONLY_VALUE("ContainsOnlyValue", 2);

    final String name;
    final int arity;

    Fn(String name, int arity) {
      this.name = name;
      this.arity = arity;
    }

    static Fn fromName(String s) {
      for (Fn f : values()) {
        if (f.name.equals(s)) {
          return f;
        }
      }
      return null;
    }
  }

  /** The action verbs (claim-rule-grammar, "actions allowed in a policy"). */
  enum Verb {
    PERMIT("permit"),
    DENY("deny"),
    ADD("add"),
    ISSUE("issue"),
    ISSUE_PROPERTY("issueproperty");

    final String keyword;

    Verb(String keyword) {
      this.keyword = keyword;
    }

    static Verb fromKeyword(String s) {
      for (Verb v : values()) {
        if (v.keyword.equals(s)) {
          return v;
        }
      }
      return null;
    }

    /** Returns whether the verb may appear in {@code s}, per claim-rule-grammar and 1.1 samples. */
    boolean allowedIn(Section s) {
      return switch (this) {
        case PERMIT, DENY -> s == Section.AUTHORIZATION;
        case ADD -> s == Section.AUTHORIZATION || s == Section.ISSUANCE;
        case ISSUE -> s == Section.ISSUANCE;
        case ISSUE_PROPERTY -> s == Section.CONFIGURATION || s == Section.ISSUANCE;
      };
    }

    String allowedSections() {
      return switch (this) {
        case PERMIT, DENY -> "authorizationrules";
        case ADD -> "authorizationrules and issuancerules";
        case ISSUE -> "issuancerules";
        case ISSUE_PROPERTY -> "configurationrules and issuancerules";
      };
    }
  }

  /** A value expression: a literal, a bound claim's property, or a function call. */
  sealed interface Expr permits Lit, Ref, Call {}

  /** A literal; {@code single} is the one-element list the evaluator returns for it. */
  record Lit(ClaimValue value, List<ClaimValue> single) implements Expr {
    static Lit of(ClaimValue v) {
      return new Lit(v, List.of(v));
    }
  }

  /** A reference {@code c.prop} to the claims bound to binding slot {@code slot}. */
  record Ref(int slot, Prop prop) implements Expr {}

  /** A function call; {@code query} is the pre-compiled JmesPath when its argument is literal. */
  record Call(Fn fn, List<Expr> args, JmesPath query) implements Expr {}

  /** One claim property test such as {@code value >= 3}. */
  record Test(Prop prop, Op op, Expr rhs) {}

  /** One condition {@code [tests]}, optionally bound ({@code slot >= 0}) or negated. */
  record Condition(boolean negated, int slot, List<Test> tests) {}

  /** An action; for {@code claim=c} forms {@code claimSlot >= 0} and type/value are null. */
  record Action(Verb verb, Expr type, Expr value, int claimSlot) {}

  /** One rule: conditions, action, its 1-based index in its section and its line. */
  record Rule(
      Section section, int index, int line, List<Condition> conditions, Action action, int slots) {}
}
