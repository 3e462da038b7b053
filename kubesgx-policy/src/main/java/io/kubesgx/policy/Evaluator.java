package io.kubesgx.policy;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.policy.Ast.Action;
import io.kubesgx.policy.Ast.Call;
import io.kubesgx.policy.Ast.Condition;
import io.kubesgx.policy.Ast.Expr;
import io.kubesgx.policy.Ast.Lit;
import io.kubesgx.policy.Ast.Op;
import io.kubesgx.policy.Ast.Prop;
import io.kubesgx.policy.Ast.Ref;
import io.kubesgx.policy.Ast.Rule;
import io.kubesgx.policy.Ast.Test;
import io.kubesgx.policy.Ast.Verb;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs compiled rules over a working claim set; one instance per evaluation (not thread-safe, not
 * shared). Rules run in order; each rule's conditions see the claims present when the rule starts.
 */
final class Evaluator {
  /** Most claims the incoming set may grow to; beyond it a rule fails to evaluate. */
  static final int MAX_CLAIMS = 10_000;
  /** Most values one expression may produce (function arguments combine as a product). */
  static final int MAX_VALUES = 10_000;
  /** Work units (claim comparisons and JmesPath steps) one evaluation may spend. */
  static final long WORK_BUDGET = 5_000_000;
  /** Longest string AppendString may build. */
  static final int MAX_STRING = 1 << 20;

  /** A rule that could not be evaluated (bad JSON, a failing query, a type error, a limit). */
  static final class EvalException extends Exception {
    private static final long serialVersionUID = 1L;

    EvalException(String message) {
      super(message);
    }
  }

  final List<Claim> incoming;
  private final long[] budget = {WORK_BUDGET};
  final List<Claim> issued = new ArrayList<>();
  final List<Claim> properties = new ArrayList<>();

  Evaluator(List<Claim> incoming) {
    this.incoming = new ArrayList<>(incoming.size() + 16);
    for (Claim c : incoming) {
      if (c == null) {
        throw new NullPointerException("incoming claim");
      }
      this.incoming.add(c);
    }
  }

  /**
   * Runs one rule: returns whether its conditions held. For add/issue/issueproperty the new
   * claims are applied only if the whole action evaluated, so a failing rule has no effect.
   */
  boolean run(Rule r) throws EvalException {
    List<List<Claim>> env = new ArrayList<>(r.slots());
    for (int k = 0; k < r.slots(); k++) {
      env.add(List.of());
    }
    int snapshot = incoming.size();
    for (Condition c : r.conditions()) {
      List<Test> tests = c.tests();
      List<List<ClaimValue>> rhs = new ArrayList<>(tests.size());
      for (Test t : tests) {
        rhs.add(eval(t.rhs(), env));
      }
      List<Claim> matches = c.slot() >= 0 ? new ArrayList<>() : null;
      boolean any = false;
      for (int k = 0; k < snapshot; k++) {
        Claim claim = incoming.get(k);
        if (matchesAll(claim, tests, rhs)) { // charges the budget
          any = true;
          if (matches == null) {
            break;
          }
          matches.add(claim);
        }
      }
      if (c.negated() == any) {
        return false;
      }
      if (matches != null) {
        env.set(c.slot(), matches);
      }
    }
    Action a = r.action();
    if (a.verb() == Verb.PERMIT || a.verb() == Verb.DENY) {
      return true;
    }
    List<Claim> made = new ArrayList<>();
    if (a.claimSlot() >= 0) {
      for (Claim c : env.get(a.claimSlot())) {
        made.add(new Claim(c.type(), c.value(), Claim.ATTESTATION_POLICY));
      }
    } else {
      List<ClaimValue> types = eval(a.type(), env);
      List<ClaimValue> values = eval(a.value(), env);
      for (ClaimValue t : types) {
        if (!(t instanceof ClaimValue.Str s)) {
          throw new EvalException("the claim type must be a string, got " + t.valueTypeName());
        }
        for (ClaimValue v : values) {
          made.add(new Claim(s.v(), v, Claim.ATTESTATION_POLICY));
        }
      }
    }
    if (incoming.size() + made.size() > MAX_CLAIMS) {
      throw new EvalException("the claim set would exceed " + MAX_CLAIMS + " claims");
    }
    incoming.addAll(made);
    if (a.verb() == Verb.ISSUE) {
      issued.addAll(made);
    } else if (a.verb() == Verb.ISSUE_PROPERTY) {
      properties.addAll(made);
    }
    return true;
  }

  private boolean matchesAll(Claim claim, List<Test> tests, List<List<ClaimValue>> rhs)
      throws EvalException {
    charge(0);
    for (int i = 0; i < tests.size(); i++) {
      Test t = tests.get(i);
      List<ClaimValue> values = rhs.get(i);
      charge(values.size());
      boolean ok = false;
      for (int j = 0; j < values.size() && !ok; j++) {
        ClaimValue v = values.get(j);
        switch (t.prop()) {
          case TYPE -> ok = compareString(claim.type(), t.op(), v);
          case ISSUER -> ok = compareString(claim.issuer(), t.op(), v);
          case VALUE_TYPE -> ok = compareString(claim.value().valueTypeName(), t.op(), v);
          case VALUE -> ok = compare(claim.value(), t.op(), v);
        }
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareString(String actual, Op op, ClaimValue v) {
    if (!(v instanceof ClaimValue.Str s)) {
      return false;
    }
    boolean eq = actual.equals(s.v());
    return op == Op.EQ ? eq : op == Op.NE && !eq;
  }

  /** Compares a claim value with a value; values of different types never match. */
  static boolean compare(ClaimValue a, Op op, ClaimValue b) throws EvalException {
    if (a instanceof ClaimValue.Int x && b instanceof ClaimValue.Int y) {
      int c = Long.compare(x.v(), y.v());
      return switch (op) {
        case EQ -> c == 0;
        case NE -> c != 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        case GE -> c >= 0;
      };
    }
    if (op.ordering() || a.getClass() != b.getClass()) {
      return false;
    }
    boolean eq = valueEquals(a, b);
    return op == Op.EQ ? eq : !eq;
  }

  static boolean valueEquals(ClaimValue a, ClaimValue b) throws EvalException {
    if (a instanceof ClaimValue.Json x && b instanceof ClaimValue.Json y) {
      try {
        return JmesPath.jsonEquals(x.v(), y.v(), 0);
      } catch (JmesPath.JmesPathException e) {
        throw new EvalException(e.getMessage());
      }
    }
    return a.equals(b);
  }

  // ------------------------------------------------------------------ expressions

  private List<ClaimValue> eval(Expr e, List<List<Claim>> env) throws EvalException {
    if (e instanceof Lit lit) {
      return lit.single();
    }
    if (e instanceof Ref r) {
      List<Claim> bound = env.get(r.slot());
      List<ClaimValue> out = new ArrayList<>(bound.size());
      for (Claim c : bound) {
        out.add(property(c, r.prop()));
      }
      return out;
    }
    Call call = (Call) e;
    List<List<ClaimValue>> args = new ArrayList<>(call.args().size());
    for (Expr a : call.args()) {
      args.add(eval(a, env));
    }
    List<ClaimValue> out = new ArrayList<>();
    switch (call.fn()) {
      case JMES_PATH -> {
        for (ClaimValue data : args.get(0)) {
          JsonValue json = toJson(data, "JmesPath");
          for (ClaimValue q : args.get(1)) {
            JmesPath query = call.query();
            try {
              if (query == null) {
                if (!(q instanceof ClaimValue.Str s) || s.v().isEmpty()) {
                  throw new EvalException("JmesPath: the query must be a non-empty string");
                }
                query = JmesPath.compile(s.v());
              }
              // claim-rule-functions: "returns the resultant JSON as a string"
              add(out, ClaimValue.of(JmesPath.write(query.search(json, budget))));
            } catch (JmesPath.JmesPathException x) {
              throw new EvalException("JmesPath: " + x.getMessage());
            }
          }
        }
        return out;
      }
      case JSON_TO_CLAIM_VALUE -> {
        for (ClaimValue v : args.get(0)) {
          jsonToClaimValue(v, out);
        }
        return out;
      }
      case IS_SUBSET_OF -> {
        boolean subset = true;
        for (ClaimValue x : args.get(0)) {
          boolean found = false;
          for (ClaimValue y : args.get(1)) {
            if (x.getClass() == y.getClass() && valueEquals(x, y)) {
              found = true;
              break;
            }
          }
          if (!found) {
            subset = false;
            break;
          }
        }
        out.add(ClaimValue.of(subset));
        return out;
      }
      case APPEND_STRING -> {
        for (ClaimValue x : args.get(0)) {
          for (ClaimValue y : args.get(1)) {
            if (!(x instanceof ClaimValue.Str xs) || !(y instanceof ClaimValue.Str ys)) {
              throw new EvalException("AppendString: both arguments must be strings");
            }
            String s1 = xs.v();
            String s2 = ys.v();
            if ((long) s1.length() + s2.length() > MAX_STRING) {
              throw new EvalException("AppendString: result longer than " + MAX_STRING);
            }
            add(out, ClaimValue.of(s1 + s2));
          }
        }
        return out;
      }
      case NEGATE_BOOL -> {
        for (ClaimValue x : args.get(0)) {
          if (!(x instanceof ClaimValue.Bool b)) {
            throw new EvalException("NegateBool: the argument must be a boolean");
          }
          out.add(ClaimValue.of(!b.v()));
        }
        return out;
      }
      case CONTAINS_ONLY_VALUE -> {
        for (ClaimValue v : args.get(1)) {
          boolean only = !args.get(0).isEmpty();
          for (ClaimValue x : args.get(0)) {
            if (x.getClass() != v.getClass() || !valueEquals(x, v)) {
              only = false;
              break;
            }
          }
          out.add(ClaimValue.of(only));
        }
        return out;
      }
    }
    throw new EvalException("unknown function");
  }

  private void charge(long units) throws EvalException {
    budget[0] -= units + 1;
    if (budget[0] < 0) {
      throw new EvalException("evaluation exceeded its work budget of " + WORK_BUDGET);
    }
  }

  private static void add(List<ClaimValue> out, ClaimValue v) throws EvalException {
    if (out.size() >= MAX_VALUES) {
      throw new EvalException("an expression produced more than " + MAX_VALUES + " values");
    }
    out.add(v);
  }

  private static ClaimValue property(Claim c, Prop p) {
    return switch (p) {
      case TYPE -> ClaimValue.of(c.type());
      case ISSUER -> ClaimValue.of(c.issuer());
      case VALUE_TYPE -> ClaimValue.of(c.value().valueTypeName());
      case VALUE -> c.value();
    };
  }

  private static JsonValue toJson(ClaimValue v, String fn) throws EvalException {
    if (v instanceof ClaimValue.Str s) {
      try {
        return Json.parse(s.v());
      } catch (MalformedInputException e) {
        throw new EvalException(fn + ": the argument is not valid JSON: " + e.getMessage());
      }
    }
    return v.toJson();
  }

  /** JsonToClaimValue per claim-rule-functions: null gives no value, arrays give one per element. */
  private static void jsonToClaimValue(ClaimValue v, List<ClaimValue> out) throws EvalException {
    JsonValue j = toJson(v, "JsonToClaimValue");
    if (j instanceof JsonValue.JsonArray arr) {
      for (JsonValue e : arr.elements()) {
        if (e instanceof JsonValue.JsonArray || e instanceof JsonValue.JsonObject) {
          throw new EvalException("JsonToClaimValue: arrays may hold only primitive values");
        }
        ClaimValue c = primitive(e);
        if (c != null) {
          add(out, c);
        }
      }
      return;
    }
    if (j instanceof JsonValue.JsonObject) {
      throw new EvalException("JsonToClaimValue: JSON objects are not supported");
    }
    ClaimValue c = primitive(j);
    if (c != null) {
      add(out, c);
    }
  }

  private static ClaimValue primitive(JsonValue j) throws EvalException {
    if (j instanceof JsonValue.JsonNumber num) {
      try {
        return ClaimValue.of(num.decimal().longValueExact());
      } catch (ArithmeticException e) {
        throw new EvalException(
            "JsonToClaimValue: " + num.text() + " is not a 64-bit integer");
      }
    }
    if (j instanceof JsonValue.JsonBool bool) {
      return ClaimValue.of(bool.value());
    }
    if (j instanceof JsonValue.JsonString str) {
      return ClaimValue.of(str.value());
    }
    return null;
  }
}
