package io.kubesgx.keybroker.policy;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonBool;
import io.kubesgx.common.json.JsonValue.JsonNumber;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed Secure Key Release policy (the Key Vault / Managed HSM release-policy grammar) and its
 * evaluation against verified token claims.
 *
 * <p>Grammar (learn.microsoft.com "policy-grammar"; legacy form from the 7.4 {@code
 * ReleasePolicy-example}): the document is {@code {"version": "1.0.0", "anyOf"|"allOf": [...]}};
 * each element is a group {@code {"authority"?: URL, "anyOf"|"allOf": [...]}} (never both) or a
 * condition {@code {"claim": NAME, OP: VALUE}} with OP one of {@code equals, notEquals, less,
 * lessOrEquals, greater, greaterOrEquals, exists}, or the legacy {@code {"claim", "condition",
 * "value"}}. Groups nest. A group with an {@code authority} holds only for tokens whose {@code iss}
 * equals it (a trailing {@code /} ignored on both sides).
 *
 * <p>Semantics chosen where the grammar is silent (documented in {@code docs/key-broker.md}):
 * scalars are compared by their string form ({@code false} equals {@code "false"}, {@code 0} equals
 * {@code "0"}); ordering operators need both sides to be decimal numbers and fail otherwise; a
 * missing claim fails every operator except {@code exists: false}; claims that are objects or
 * arrays never match. Claim names use dot notation to navigate objects.
 *
 * <pre>{@code
 * ReleasePolicy p = ReleasePolicy.parse(json);
 * PolicyDecision d = p.evaluate(verifiedClaims);
 * }</pre>
 */
public final class ReleasePolicy {
  /** Largest policy document accepted, in bytes. */
  public static final int MAX_BYTES = 64 * 1024;
  /** Deepest group nesting accepted. */
  public static final int MAX_DEPTH = 16;
  /** Most groups and conditions in one policy. */
  public static final int MAX_NODES = 512;

  private static final Set<String> OPERATORS =
      Set.of("equals", "notEquals", "less", "lessOrEquals", "greater", "greaterOrEquals", "exists");

  /** A node of the policy tree. */
  sealed interface Node permits Group, Condition {}

  /** {@code anyOf} or {@code allOf} over children, optionally bound to an authority. */
  record Group(boolean any, String authority, List<Node> children) implements Node {
    Group {
      children = List.copyOf(children);
    }
  }

  /** One claim condition. */
  record Condition(String claim, String operator, String value) implements Node {}

  private final String version;
  private final Group root;
  private final String canonical;

  private ReleasePolicy(String version, Group root, String canonical) {
    this.version = version;
    this.root = root;
    this.canonical = canonical;
  }

  /**
   * Parses a policy document.
   *
   * @throws MalformedInputException when the text is not a policy in the grammar above (the message
   *     says what to change)
   */
  public static ReleasePolicy parse(String text) throws MalformedInputException {
    Objects.requireNonNull(text, "text");
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new MalformedInputException("release policy larger than " + MAX_BYTES + " bytes");
    }
    JsonObject doc = Json.parseObject(text);
    String version = doc.optString("version");
    if (version == null) {
      throw new MalformedInputException("release policy: missing 'version' property (use \"1.0.0\")");
    }
    if (!version.equals("1.0.0") && !version.equals("1.0")) {
      throw new MalformedInputException("release policy: unsupported version '" + version + "' (use \"1.0.0\")");
    }
    for (String k : doc.members().keySet()) {
      if (!k.equals("version") && !k.equals("anyOf") && !k.equals("allOf")) {
        throw new MalformedInputException("release policy: unknown top-level property '" + k + "'");
      }
    }
    int[] count = {0};
    Group root = group(doc, 0, count, true);
    return new ReleasePolicy(version, root, Json.write(doc));
  }

  private static Group group(JsonObject o, int depth, int[] count, boolean top) throws MalformedInputException {
    if (depth > MAX_DEPTH) {
      throw new MalformedInputException("release policy nested deeper than " + MAX_DEPTH);
    }
    if (++count[0] > MAX_NODES) {
      throw new MalformedInputException("release policy has more than " + MAX_NODES + " elements");
    }
    boolean hasAny = o.has("anyOf");
    boolean hasAll = o.has("allOf");
    if (hasAny == hasAll) {
      throw new MalformedInputException("release policy: a group needs exactly one of 'anyOf' or 'allOf'");
    }
    String authority = null;
    if (!top) {
      for (String k : o.members().keySet()) {
        if (!k.equals("anyOf") && !k.equals("allOf") && !k.equals("authority")) {
          throw new MalformedInputException("release policy: unknown property '" + k + "' in a group");
        }
      }
      authority = o.optString("authority");
      if (authority != null && authority.isBlank()) {
        throw new MalformedInputException("release policy: 'authority' must not be empty");
      }
    }
    List<JsonValue> items = o.array(hasAny ? "anyOf" : "allOf");
    if (items.isEmpty()) {
      throw new MalformedInputException("release policy: '" + (hasAny ? "anyOf" : "allOf") + "' must not be empty");
    }
    List<Node> children = new ArrayList<>();
    for (JsonValue item : items) {
      if (!(item instanceof JsonObject io)) {
        throw new MalformedInputException("release policy: group elements must be objects");
      }
      if (io.has("claim")) {
        if (++count[0] > MAX_NODES) {
          throw new MalformedInputException("release policy has more than " + MAX_NODES + " elements");
        }
        children.add(condition(io));
      } else {
        children.add(group(io, depth + 1, count, false));
      }
    }
    return new Group(hasAny, authority, children);
  }

  private static Condition condition(JsonObject o) throws MalformedInputException {
    String claim = o.string("claim");
    if (claim.isEmpty()) {
      throw new MalformedInputException("release policy: 'claim' must not be empty");
    }
    if (o.has("condition")) { // legacy form {"claim","condition","value"}
      if (o.members().size() != 3 || !o.has("value")) {
        throw new MalformedInputException("release policy: legacy condition on '" + claim + "' needs exactly claim, condition, value");
      }
      String op = o.string("condition");
      if (!OPERATORS.contains(op)) {
        throw new MalformedInputException("release policy: unknown condition '" + op + "' on claim '" + claim + "'");
      }
      return new Condition(claim, op, scalar(o.get("value"), claim));
    }
    if (o.members().size() != 2) {
      throw new MalformedInputException("release policy: condition on '" + claim + "' needs exactly one operator");
    }
    for (Map.Entry<String, JsonValue> e : o.members().entrySet()) {
      if (e.getKey().equals("claim")) {
        continue;
      }
      if (!OPERATORS.contains(e.getKey())) {
        throw new MalformedInputException("release policy: unknown operator '" + e.getKey() + "' on claim '" + claim + "'");
      }
      String v = scalar(e.getValue(), claim);
      if (e.getKey().equals("exists") && !v.equals("true") && !v.equals("false")) {
        throw new MalformedInputException("release policy: 'exists' on '" + claim + "' takes true or false");
      }
      if (e.getKey().startsWith("less") || e.getKey().startsWith("greater")) {
        if (number(v) == null) {
          throw new MalformedInputException("release policy: '" + e.getKey() + "' on '" + claim + "' needs a number");
        }
      }
      return new Condition(claim, e.getKey(), v);
    }
    throw new MalformedInputException("release policy: condition on '" + claim + "' has no operator");
  }

  private static String scalar(JsonValue v, String claim) throws MalformedInputException {
    if (v instanceof JsonString s) {
      return s.value();
    }
    if (v instanceof JsonBool b) {
      return Boolean.toString(b.value());
    }
    if (v instanceof JsonNumber n) {
      return n.text();
    }
    throw new MalformedInputException("release policy: the value for claim '" + claim
        + "' must be a string, number or boolean (objects and arrays are not supported)");
  }

  /** Returns the policy's {@code version}. */
  public String version() {
    return version;
  }

  /** Returns the policy as compact JSON. */
  public String toJson() {
    return canonical;
  }

  /**
   * Evaluates the policy against verified claims.
   *
   * @return allowed, or denied with the conditions that failed
   */
  public PolicyDecision evaluate(VerifiedClaims claims) {
    Objects.requireNonNull(claims, "claims");
    List<PolicyDecision.Failure> failures = new ArrayList<>();
    boolean ok = eval(root, claims, failures);
    return ok ? PolicyDecision.allow() : PolicyDecision.deny(failures);
  }

  private static boolean eval(Node n, VerifiedClaims c, List<PolicyDecision.Failure> failures) {
    if (n instanceof Condition cond) {
      String why = check(cond, c);
      if (why != null) {
        failures.add(new PolicyDecision.Failure(cond.claim(), why));
        return false;
      }
      return true;
    }
    Group g = (Group) n;
    if (g.authority() != null && !normalise(g.authority()).equals(normalise(c.issuer()))) {
      failures.add(new PolicyDecision.Failure("iss",
          "the token's issuer " + c.issuer() + " is not the policy's authority " + g.authority()));
      return false;
    }
    if (g.any()) {
      List<PolicyDecision.Failure> mine = new ArrayList<>();
      for (Node child : g.children()) {
        if (eval(child, c, mine)) {
          return true;
        }
      }
      failures.addAll(mine);
      return false;
    }
    for (Node child : g.children()) {
      if (!eval(child, c, failures)) {
        return false;
      }
    }
    return true;
  }

  /** Returns null when the condition holds, else why not. */
  private static String check(Condition cond, VerifiedClaims c) {
    Object actual = c.claim(cond.claim());
    String op = cond.operator();
    if (op.equals("exists")) {
      boolean want = cond.value().equals("true");
      return (actual != null) == want ? null : (want ? "claim is missing" : "claim is present");
    }
    if (actual == null) {
      return "claim is missing";
    }
    String a = scalarText(actual);
    if (a == null) {
      return "claim is an object or array, which conditions never match";
    }
    switch (op) {
      case "equals":
        return equal(a, cond.value()) ? null : "claim is " + a + ", the policy requires " + cond.value();
      case "notEquals":
        return equal(a, cond.value()) ? "claim is " + a + ", which the policy excludes" : null;
      default:
        BigDecimal x = number(a);
        BigDecimal y = number(cond.value());
        if (x == null || y == null) {
          return "claim is " + a + ", not a number, so '" + op + " " + cond.value() + "' cannot hold";
        }
        int cmp = x.compareTo(y);
        boolean holds = switch (op) {
          case "less" -> cmp < 0;
          case "lessOrEquals" -> cmp <= 0;
          case "greater" -> cmp > 0;
          case "greaterOrEquals" -> cmp >= 0;
          default -> false;
        };
        return holds ? null : "claim is " + a + ", the policy requires " + op + " " + cond.value();
    }
  }

  private static boolean equal(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    BigDecimal x = number(a);
    BigDecimal y = number(b);
    return x != null && y != null && x.compareTo(y) == 0;
  }

  private static String scalarText(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
      return v.toString();
    }
    if (v instanceof Number n) {
      BigDecimal d = number(n.toString());
      return d == null ? n.toString() : d.stripTrailingZeros().toPlainString();
    }
    return null;
  }

  private static BigDecimal number(String s) {
    if (s.isEmpty() || s.length() > 64) {
      return null;
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Returns {@code url} without trailing slashes (issuers are otherwise compared exactly). */
  static String normalise(String url) {
    String s = url;
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  @Override
  public String toString() {
    return "ReleasePolicy" + canonical;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReleasePolicy p && p.canonical.equals(canonical);
  }

  @Override
  public int hashCode() {
    return canonical.hashCode();
  }
}
