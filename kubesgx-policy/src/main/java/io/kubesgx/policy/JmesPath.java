package io.kubesgx.policy;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonBool;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonNumber;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled JmesPath query (the subset used by MAA grammar 1.2 policies) evaluated over {@link
 * JsonValue}: identifiers, quoted identifiers, sub-expressions, indexes, {@code [*]} and {@code *}
 * projections, flatten {@code []}, filters {@code [?...]}, pipes, {@code || && !}, comparisons,
 * {@code @}, literals, raw strings, multi-select lists and hashes, and a few functions (see {@link
 * #FUNCTIONS}). Queries are at most {@link #MAX_LENGTH} characters; evaluation has a step budget.
 */
final class JmesPath {
  /** Longest accepted query, in characters. */
  static final int MAX_LENGTH = 1024;
  /** Deepest accepted nesting of the query's syntax tree. */
  static final int MAX_DEPTH = 48;
  /** Evaluation steps allowed per query run; bounds time and allocation. */
  static final int STEP_BUDGET = 100_000;
  /** Longest JSON text a result may serialise to. */
  static final int MAX_RESULT_CHARS = 1 << 20;

  /** Supported functions: JmesPath built-ins plus MAA's equals_ignore_case. */
  static final List<String> FUNCTIONS =
      List.of(
          "length",
          "contains",
          "starts_with",
          "ends_with",
          "keys",
          "values",
          "type",
          "not_null",
          "to_string",
          "to_number",
          "equals_ignore_case");

  /** A syntax or evaluation error in a query. */
  static final class JmesPathException extends Exception {
    private static final long serialVersionUID = 1L;

    JmesPathException(String message) {
      super(message);
    }
  }

  private static final JsonNull NULL = new JsonNull();

  // ------------------------------------------------------------------ AST

  private sealed interface Node {}

  private record Identity() implements Node {}

  private record Field(String name) implements Node {}

  private record Literal(JsonValue value) implements Node {}

  private record Sub(Node left, Node right) implements Node {}

  private record Pipe(Node left, Node right) implements Node {}

  private record Index(Node left, int index) implements Node {}

  private record ListProjection(Node left, Node right) implements Node {}

  private record ValueProjection(Node left, Node right) implements Node {}

  private record FilterProjection(Node left, Node cond, Node right) implements Node {}

  private record Flatten(Node left) implements Node {}

  private record Or(Node left, Node right) implements Node {}

  private record And(Node left, Node right) implements Node {}

  private record Not(Node expr) implements Node {}

  private record Compare(String op, Node left, Node right) implements Node {}

  private record MultiList(List<Node> items) implements Node {}

  private record MultiHash(List<String> keys, List<Node> values) implements Node {}

  private record Function(String name, List<Node> args) implements Node {}

  private final Node root;
  private final String text;

  private JmesPath(Node root, String text) {
    this.root = root;
    this.text = text;
  }

  /** Returns the query text. */
  String text() {
    return text;
  }

  /** Compiles {@code query}. */
  static JmesPath compile(String query) throws JmesPathException {
    if (query.isEmpty()) {
      throw new JmesPathException("empty query");
    }
    if (query.length() > MAX_LENGTH) {
      throw new JmesPathException("query longer than " + MAX_LENGTH + " characters");
    }
    Parser p = new Parser(query);
    Node n = p.expression(0, 0);
    if (p.tok.kind != TK.EOF) {
      throw p.err("unexpected " + p.tok.describe());
    }
    return new JmesPath(n, query);
  }

  /** Evaluates the query over {@code data}. */
  JsonValue search(JsonValue data) throws JmesPathException {
    return new Eval(STEP_BUDGET).eval(root, data);
  }

  /**
   * Evaluates the query over {@code data} with at most {@code min(STEP_BUDGET, budget[0])} steps,
   * subtracting the steps used from {@code budget[0]} (a budget shared by several searches).
   */
  JsonValue search(JsonValue data, long[] budget) throws JmesPathException {
    Eval e = new Eval((int) Math.min(STEP_BUDGET, Math.max(0, budget[0])));
    try {
      return e.eval(root, data);
    } finally {
      budget[0] -= e.steps;
    }
  }

  // ------------------------------------------------------------------ lexer

  private enum TK {
    IDENT,
    QIDENT,
    NUMBER,
    LITERAL,
    RAW,
    DOT,
    STAR,
    FLATTEN,
    FILTER,
    LBRACKET,
    RBRACKET,
    LBRACE,
    RBRACE,
    LPAREN,
    RPAREN,
    COMMA,
    COLON,
    PIPE,
    OR,
    AND,
    NOT,
    CMP,
    AT,
    AMP,
    EOF
  }

  private record Tok(TK kind, String text, JsonValue json, int num, int offset) {
    String describe() {
      return kind == TK.EOF ? "end of query" : "\"" + text + "\" at offset " + offset;
    }
  }

  private static final class Parser {
    private final String s;
    private int i;
    Tok tok;

    Parser(String s) throws JmesPathException {
      this.s = s;
      advance();
    }

    JmesPathException err(String m) {
      return new JmesPathException(m);
    }

    private void advance() throws JmesPathException {
      while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      int st = i;
      if (i >= s.length()) {
        tok = new Tok(TK.EOF, "", null, 0, st);
        return;
      }
      char c = s.charAt(i);
      if (isIdentStart(c)) {
        while (i < s.length() && (isIdentStart(s.charAt(i)) || isDigit(s.charAt(i)))) {
          i++;
        }
        tok = new Tok(TK.IDENT, s.substring(st, i), null, 0, st);
        return;
      }
      if (isDigit(c) || c == '-') {
        i++;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
        String t = s.substring(st, i);
        if (t.equals("-")) {
          throw err("expected a digit after '-' at offset " + st);
        }
        int n;
        try {
          n = Integer.parseInt(t);
        } catch (NumberFormatException e) {
          throw err("number out of range at offset " + st);
        }
        tok = new Tok(TK.NUMBER, t, null, n, st);
        return;
      }
      switch (c) {
        case '"' -> {
          int end = scanQuoted('"');
          String raw = s.substring(st, end);
          try {
            JsonValue v = Json.parse(raw);
            tok = new Tok(TK.QIDENT, raw, v, 0, st);
          } catch (MalformedInputException e) {
            throw err("invalid quoted identifier at offset " + st + ": " + e.getMessage());
          }
          return;
        }
        case '\'' -> {
          int end = scanQuoted('\'');
          String body = s.substring(st + 1, end - 1);
          StringBuilder sb = new StringBuilder();
          for (int k = 0; k < body.length(); k++) {
            char d = body.charAt(k);
            if (d == '\\' && k + 1 < body.length()
                && (body.charAt(k + 1) == '\'' || body.charAt(k + 1) == '\\')) {
              sb.append(body.charAt(++k));
            } else {
              sb.append(d);
            }
          }
          tok = new Tok(TK.RAW, s.substring(st, end), new JsonString(sb.toString()), 0, st);
          return;
        }
        case '`' -> {
          int end = scanQuoted('`');
          String body = s.substring(st + 1, end - 1).replace("\\`", "`");
          try {
            tok = new Tok(TK.LITERAL, s.substring(st, end), Json.parse(body.strip()), 0, st);
          } catch (MalformedInputException e) {
            throw err("invalid JSON literal at offset " + st + ": " + e.getMessage());
          }
          return;
        }
        case '.' -> {
          single(TK.DOT, st);
          return;
        }
        case '*' -> {
          single(TK.STAR, st);
          return;
        }
        case ']' -> {
          single(TK.RBRACKET, st);
          return;
        }
        case '{' -> {
          single(TK.LBRACE, st);
          return;
        }
        case '}' -> {
          single(TK.RBRACE, st);
          return;
        }
        case '(' -> {
          single(TK.LPAREN, st);
          return;
        }
        case ')' -> {
          single(TK.RPAREN, st);
          return;
        }
        case ',' -> {
          single(TK.COMMA, st);
          return;
        }
        case ':' -> {
          single(TK.COLON, st);
          return;
        }
        case '@' -> {
          single(TK.AT, st);
          return;
        }
        case '[' -> {
          if (s.startsWith("[]", i)) {
            i += 2;
            tok = new Tok(TK.FLATTEN, "[]", null, 0, st);
          } else if (s.startsWith("[?", i)) {
            i += 2;
            tok = new Tok(TK.FILTER, "[?", null, 0, st);
          } else {
            single(TK.LBRACKET, st);
          }
          return;
        }
        case '|' -> {
          two("||", TK.OR, TK.PIPE, st);
          return;
        }
        case '&' -> {
          two("&&", TK.AND, TK.AMP, st);
          return;
        }
        case '!' -> {
          if (s.startsWith("!=", i)) {
            i += 2;
            tok = new Tok(TK.CMP, "!=", null, 0, st);
          } else {
            single(TK.NOT, st);
          }
          return;
        }
        case '=' -> {
          if (s.startsWith("==", i)) {
            i += 2;
            tok = new Tok(TK.CMP, "==", null, 0, st);
            return;
          }
          throw err("expected \"==\" at offset " + st);
        }
        case '<', '>' -> {
          if (s.startsWith("=", i + 1)) {
            i += 2;
            tok = new Tok(TK.CMP, s.substring(st, i), null, 0, st);
          } else {
            i++;
            tok = new Tok(TK.CMP, String.valueOf(c), null, 0, st);
          }
          return;
        }
        default -> throw err("unexpected character '" + c + "' at offset " + st);
      }
    }

    private static boolean isIdentStart(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private int scanQuoted(char q) throws JmesPathException {
      int st = i;
      i++;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '\\' && i + 1 < s.length()) {
          i += 2;
          continue;
        }
        if (c == q) {
          i++;
          return i;
        }
        i++;
      }
      throw err("unterminated " + q + " at offset " + st);
    }

    private void single(TK k, int st) {
      i++;
      tok = new Tok(k, s.substring(st, i), null, 0, st);
    }

    private void two(String pair, TK both, TK one, int st) {
      if (s.startsWith(pair, i)) {
        i += 2;
        tok = new Tok(both, pair, null, 0, st);
      } else {
        single(one, st);
      }
    }

    private Tok eat() throws JmesPathException {
      Tok t = tok;
      advance();
      return t;
    }

    private void expect(TK k, String what) throws JmesPathException {
      if (tok.kind != k) {
        throw err("expected " + what + ", found " + tok.describe());
      }
      advance();
    }

    // binding powers from the JmesPath specification's Pratt parser
    private static int bp(TK k) {
      return switch (k) {
        case PIPE -> 1;
        case OR -> 2;
        case AND -> 3;
        case CMP -> 5;
        case FLATTEN -> 9;
        case STAR -> 20;
        case FILTER -> 21;
        case DOT -> 40;
        case NOT -> 45;
        case LBRACE -> 50;
        case LBRACKET -> 55;
        case LPAREN -> 60;
        default -> 0;
      };
    }

    Node expression(int rbp, int depth) throws JmesPathException {
      if (depth > MAX_DEPTH) {
        throw err("query nested deeper than " + MAX_DEPTH);
      }
      Node left = nud(depth);
      while (rbp < bp(tok.kind)) {
        left = led(left, depth);
      }
      return left;
    }

    private Node nud(int depth) throws JmesPathException {
      Tok t = eat();
      switch (t.kind) {
        case LITERAL, RAW -> {
          return new Literal(t.json);
        }
        case IDENT -> {
          return new Field(t.text);
        }
        case QIDENT -> {
          if (!(t.json instanceof JsonString name)) {
            throw err("quoted identifier must be a string at offset " + t.offset);
          }
          if (tok.kind == TK.LPAREN) {
            throw err("quoted identifier cannot name a function at offset " + t.offset);
          }
          return new Field(name.value());
        }
        case STAR -> {
          return new ValueProjection(new Identity(), projectionRhs(bp(TK.STAR), depth));
        }
        case NOT -> {
          return new Not(expression(bp(TK.NOT), depth + 1));
        }
        case FILTER -> {
          return filter(new Identity(), depth);
        }
        case FLATTEN -> {
          return new ListProjection(
              new Flatten(new Identity()), projectionRhs(bp(TK.FLATTEN), depth));
        }
        case LBRACKET -> {
          if (tok.kind == TK.NUMBER) {
            int n = eat().num;
            expect(TK.RBRACKET, "\"]\" (slices are not supported)");
            return new Index(new Identity(), n);
          }
          if (tok.kind == TK.STAR) {
            eat();
            if (tok.kind == TK.RBRACKET) {
              eat();
              return new ListProjection(new Identity(), projectionRhs(bp(TK.STAR), depth));
            }
            throw err("expected \"]\" after \"[*\", found " + tok.describe());
          }
          return multiListRest(expression(0, depth + 1), depth);
        }
        case LBRACE -> {
          return multiHash(depth);
        }
        case LPAREN -> {
          Node inner = expression(0, depth + 1);
          expect(TK.RPAREN, "\")\"");
          return inner;
        }
        case AT -> {
          return new Identity();
        }
        case AMP -> throw err("expression references (&) are not supported");
        default -> throw err("unexpected " + t.describe());
      }
    }

    private Node multiListRest(Node first, int depth) throws JmesPathException {
      List<Node> items = new ArrayList<>();
      items.add(first);
      while (tok.kind == TK.COMMA) {
        eat();
        items.add(expression(0, depth + 1));
      }
      expect(TK.RBRACKET, "\"]\" or \",\" in a multi-select list");
      return new MultiList(List.copyOf(items));
    }

    private Node multiHash(int depth) throws JmesPathException {
      List<String> keys = new ArrayList<>();
      List<Node> vals = new ArrayList<>();
      while (true) {
        Tok k = eat();
        String key;
        if (k.kind == TK.IDENT) {
          key = k.text;
        } else if (k.kind == TK.QIDENT && k.json instanceof JsonString q) {
          key = q.value();
        } else {
          throw err("expected a key in a multi-select hash, found " + k.describe());
        }
        expect(TK.COLON, "\":\" after a multi-select hash key");
        keys.add(key);
        vals.add(expression(0, depth + 1));
        if (tok.kind == TK.COMMA) {
          eat();
          continue;
        }
        expect(TK.RBRACE, "\"}\" or \",\" in a multi-select hash");
        return new MultiHash(List.copyOf(keys), List.copyOf(vals));
      }
    }

    private Node filter(Node left, int depth) throws JmesPathException {
      Node cond = expression(0, depth + 1);
      expect(TK.RBRACKET, "\"]\" to close a filter");
      return new FilterProjection(left, cond, projectionRhs(bp(TK.FILTER), depth));
    }

    private Node led(Node left, int depth) throws JmesPathException {
      Tok t = eat();
      switch (t.kind) {
        case DOT -> {
          if (tok.kind == TK.STAR) {
            eat();
            return new ValueProjection(left, projectionRhs(bp(TK.STAR), depth));
          }
          return new Sub(left, dotRhs(bp(TK.DOT), depth));
        }
        case PIPE -> {
          return new Pipe(left, expression(bp(TK.PIPE), depth + 1));
        }
        case OR -> {
          return new Or(left, expression(bp(TK.OR), depth + 1));
        }
        case AND -> {
          return new And(left, expression(bp(TK.AND), depth + 1));
        }
        case CMP -> {
          return new Compare(t.text, left, expression(bp(TK.CMP), depth + 1));
        }
        case FLATTEN -> {
          return new ListProjection(new Flatten(left), projectionRhs(bp(TK.FLATTEN), depth));
        }
        case FILTER -> {
          return filter(left, depth);
        }
        case LBRACKET -> {
          if (tok.kind == TK.NUMBER) {
            int n = eat().num;
            expect(TK.RBRACKET, "\"]\" (slices are not supported)");
            return new Index(left, n);
          }
          if (tok.kind == TK.STAR) {
            eat();
            expect(TK.RBRACKET, "\"]\" after \"[*\"");
            return new ListProjection(left, projectionRhs(bp(TK.STAR), depth));
          }
          throw err("expected an index or \"*\" after \"[\", found " + tok.describe());
        }
        case LPAREN -> {
          return function(left, depth);
        }
        default -> throw err("unexpected " + t.describe());
      }
    }

    private Node function(Node left, int depth) throws JmesPathException {
      if (!(left instanceof Field field)) {
        throw err("only a function name may be called");
      }
      String name = field.name();
      if (!FUNCTIONS.contains(name)) {
        throw err("unknown function " + name + "()");
      }
      List<Node> args = new ArrayList<>();
      if (tok.kind != TK.RPAREN) {
        args.add(expression(0, depth + 1));
        while (tok.kind == TK.COMMA) {
          eat();
          args.add(expression(0, depth + 1));
        }
      }
      expect(TK.RPAREN, "\")\" to close the call of " + name + "()");
      int arity = name.equals("not_null") ? -1 : oneArg(name) ? 1 : 2;
      if (arity == -1 ? args.isEmpty() : args.size() != arity) {
        throw err(name + "() takes " + (arity == -1 ? "at least 1" : arity) + " argument(s)");
      }
      return new Function(name, List.copyOf(args));
    }

    private static boolean oneArg(String name) {
      return switch (name) {
        case "length", "keys", "values", "type", "to_string", "to_number" -> true;
        default -> false;
      };
    }

    private Node dotRhs(int rbp, int depth) throws JmesPathException {
      switch (tok.kind) {
        case IDENT, QIDENT, LBRACE -> {
          return expression(rbp, depth + 1);
        }
        case LBRACKET -> {
          eat();
          return multiListRest(expression(0, depth + 1), depth);
        }
        default -> throw err("expected an identifier, \"[\" or \"{\" after \".\", found " + tok.describe());
      }
    }

    private Node projectionRhs(int rbp, int depth) throws JmesPathException {
      if (bp(tok.kind) < 10) {
        return new Identity();
      }
      switch (tok.kind) {
        case LBRACKET, FILTER, FLATTEN -> {
          return expression(rbp, depth + 1);
        }
        case DOT -> {
          eat();
          return dotRhs(rbp, depth);
        }
        default -> throw err("unexpected " + tok.describe() + " after a projection");
      }
    }
  }

  // ------------------------------------------------------------------ evaluation

  private static final class Eval {
    private final int limit;
    private int steps;

    Eval(int limit) {
      this.limit = limit;
    }

    private void step() throws JmesPathException {
      if (++steps > limit) {
        throw new JmesPathException("query evaluation exceeded its step budget");
      }
    }

    JsonValue eval(Node n, JsonValue cur) throws JmesPathException {
      step();
      if (n instanceof Identity) {
        return cur;
      }
      if (n instanceof Field field) {
        if (cur instanceof JsonObject obj) {
          JsonValue v = obj.get(field.name());
          return v == null ? NULL : v;
        }
        return NULL;
      }
      if (n instanceof Literal lx) {
        return lx.value();
      }
      if (n instanceof Sub s) {
        JsonValue l = eval(s.left(), cur);
        return l instanceof JsonNull ? NULL : eval(s.right(), l);
      }
      if (n instanceof Pipe p) {
        return eval(p.right(), eval(p.left(), cur));
      }
      if (n instanceof Index x) {
        JsonValue l = eval(x.left(), cur);
        if (!(l instanceof JsonArray arr)) {
          return NULL;
        }
        List<JsonValue> els = arr.elements();
        int k = x.index() < 0 ? els.size() + x.index() : x.index();
        return k >= 0 && k < els.size() ? els.get(k) : NULL;
      }
      if (n instanceof ListProjection p) {
        JsonValue l = eval(p.left(), cur);
        if (!(l instanceof JsonArray arr)) {
          return NULL;
        }
        return project(arr.elements(), p.right());
      }
      if (n instanceof ValueProjection p) {
        JsonValue l = eval(p.left(), cur);
        if (!(l instanceof JsonObject obj)) {
          return NULL;
        }
        return project(new ArrayList<>(obj.members().values()), p.right());
      }
      if (n instanceof FilterProjection p) {
        JsonValue l = eval(p.left(), cur);
        if (!(l instanceof JsonArray arr)) {
          return NULL;
        }
        List<JsonValue> out = new ArrayList<>();
        for (JsonValue e : arr.elements()) {
          step();
          if (truthy(eval(p.cond(), e))) {
            JsonValue r = eval(p.right(), e);
            if (!(r instanceof JsonNull)) {
              out.add(r);
            }
          }
        }
        return new JsonArray(out);
      }
      if (n instanceof Flatten fl) {
        JsonValue l = eval(fl.left(), cur);
        if (!(l instanceof JsonArray arr)) {
          return NULL;
        }
        List<JsonValue> out = new ArrayList<>();
        for (JsonValue e : arr.elements()) {
          step();
          if (e instanceof JsonArray inner) {
            for (JsonValue x : inner.elements()) {
              step();
              out.add(x);
            }
          } else {
            out.add(e);
          }
        }
        return new JsonArray(out);
      }
      if (n instanceof Or o) {
        JsonValue l = eval(o.left(), cur);
        return truthy(l) ? l : eval(o.right(), cur);
      }
      if (n instanceof And a) {
        JsonValue l = eval(a.left(), cur);
        return truthy(l) ? eval(a.right(), cur) : l;
      }
      if (n instanceof Not not) {
        return new JsonBool(!truthy(eval(not.expr(), cur)));
      }
      if (n instanceof Compare c) {
        return compare(c.op(), eval(c.left(), cur), eval(c.right(), cur));
      }
      if (n instanceof MultiList ml) {
        if (cur instanceof JsonNull) {
          return NULL;
        }
        List<JsonValue> out = new ArrayList<>();
        for (Node item : ml.items()) {
          out.add(eval(item, cur));
        }
        return new JsonArray(out);
      }
      if (n instanceof MultiHash h) {
        if (cur instanceof JsonNull) {
          return NULL;
        }
        Map<String, JsonValue> out = new LinkedHashMap<>();
        for (int k = 0; k < h.keys().size(); k++) {
          out.put(h.keys().get(k), eval(h.values().get(k), cur));
        }
        return new JsonObject(out);
      }
      Function f = (Function) n;
      List<JsonValue> args = new ArrayList<>();
      for (Node a : f.args()) {
        args.add(eval(a, cur));
      }
      return call(f.name(), args);
    }

    private JsonValue project(List<JsonValue> elements, Node right) throws JmesPathException {
      List<JsonValue> out = new ArrayList<>();
      for (JsonValue e : elements) {
        step();
        JsonValue r = eval(right, e);
        if (!(r instanceof JsonNull)) {
          out.add(r);
        }
      }
      return new JsonArray(out);
    }

    private JsonValue compare(String op, JsonValue a, JsonValue b) throws JmesPathException {
      switch (op) {
        case "==" -> {
          return new JsonBool(jsonEquals(a, b, 0));
        }
        case "!=" -> {
          return new JsonBool(!jsonEquals(a, b, 0));
        }
        default -> {
          if (!(a instanceof JsonNumber x) || !(b instanceof JsonNumber y)) {
            return NULL;
          }
          int c = x.decimal().compareTo(y.decimal());
          switch (op) {
            case "<":
              return new JsonBool(c < 0);
            case "<=":
              return new JsonBool(c <= 0);
            case ">":
              return new JsonBool(c > 0);
            default:
              return new JsonBool(c >= 0);
          }
        }
      }
    }

    private JsonValue call(String name, List<JsonValue> a) throws JmesPathException {
      switch (name) {
        case "length" -> {
          JsonValue v = a.get(0);
          if (v instanceof JsonString str) {
            String s = str.value();
            return number(s.codePointCount(0, s.length()));
          }
          if (v instanceof JsonArray arr) {
            return number(arr.elements().size());
          }
          if (v instanceof JsonObject obj) {
            return number(obj.members().size());
          }
          throw typeError(name, "a string, array or object", v);
        }
        case "contains" -> {
          JsonValue subject = a.get(0);
          if (subject instanceof JsonArray arr) {
            for (JsonValue e : arr.elements()) {
              step();
              if (jsonEquals(e, a.get(1), 0)) {
                return new JsonBool(true);
              }
            }
            return new JsonBool(false);
          }
          if (subject instanceof JsonString str && a.get(1) instanceof JsonString needle) {
            return new JsonBool(
                str.value().contains(needle.value()));
          }
          throw typeError(name, "an array or string", subject);
        }
        case "starts_with", "ends_with", "equals_ignore_case" -> {
          String x = str(name, a.get(0));
          String y = str(name, a.get(1));
          boolean r =
              name.equals("starts_with")
                  ? x.startsWith(y)
                  : name.equals("ends_with") ? x.endsWith(y) : x.equalsIgnoreCase(y);
          return new JsonBool(r);
        }
        case "keys", "values" -> {
          JsonValue v = a.get(0);
          if (!(v instanceof JsonObject obj)) {
            throw typeError(name, "an object", v);
          }
          Map<String, JsonValue> m = obj.members();
          List<JsonValue> out = new ArrayList<>();
          if (name.equals("keys")) {
            for (String k : m.keySet()) {
              out.add(new JsonString(k));
            }
          } else {
            out.addAll(m.values());
          }
          return new JsonArray(out);
        }
        case "type" -> {
          return new JsonString(typeName(a.get(0)));
        }
        case "not_null" -> {
          for (JsonValue v : a) {
            if (!(v instanceof JsonNull)) {
              return v;
            }
          }
          return NULL;
        }
        case "to_string" -> {
          JsonValue v = a.get(0);
          return v instanceof JsonString ? v : new JsonString(write(v));
        }
        case "to_number" -> {
          JsonValue v = a.get(0);
          if (v instanceof JsonNumber) {
            return v;
          }
          if (v instanceof JsonString str) {
            try {
              JsonValue p = Json.parse(str.value());
              return p instanceof JsonNumber ? p : NULL;
            } catch (MalformedInputException e) {
              return NULL;
            }
          }
          return NULL;
        }
        default -> throw new JmesPathException("unknown function " + name + "()");
      }
    }

    private static String str(String fn, JsonValue v) throws JmesPathException {
      if (v instanceof JsonString str) {
        return str.value();
      }
      throw typeError(fn, "a string", v);
    }

    private static JmesPathException typeError(String fn, String expected, JsonValue got) {
      return new JmesPathException(
          "invalid type for " + fn + "(): expected " + expected + ", got " + typeName(got));
    }

    private static JsonNumber number(long n) {
      return new JsonNumber(Long.toString(n));
    }
  }

  static String typeName(JsonValue v) {
    if (v instanceof JsonObject) {
      return "object";
    }
    if (v instanceof JsonArray) {
      return "array";
    }
    if (v instanceof JsonString) {
      return "string";
    }
    if (v instanceof JsonNumber) {
      return "number";
    }
    if (v instanceof JsonBool) {
      return "boolean";
    }
    return "null";
  }

  static boolean truthy(JsonValue v) {
    if (v instanceof JsonBool bool) {
      return bool.value();
    }
    if (v instanceof JsonString str) {
      return !str.value().isEmpty();
    }
    if (v instanceof JsonArray arr) {
      return !arr.elements().isEmpty();
    }
    if (v instanceof JsonObject obj) {
      return !obj.members().isEmpty();
    }
    return v instanceof JsonNumber;
  }

  /** Deep JSON equality; numbers compare by value; bounded recursion. */
  static boolean jsonEquals(JsonValue a, JsonValue b, int depth) throws JmesPathException {
    if (depth > 256) {
      throw new JmesPathException("JSON nested too deeply");
    }
    if (a instanceof JsonNumber x && b instanceof JsonNumber y) {
      return x.decimal().compareTo(y.decimal()) == 0;
    }
    if (a instanceof JsonArray xa && b instanceof JsonArray ya) {
      List<JsonValue> x = xa.elements();
      List<JsonValue> y = ya.elements();
      if (x.size() != y.size()) {
        return false;
      }
      for (int k = 0; k < x.size(); k++) {
        if (!jsonEquals(x.get(k), y.get(k), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof JsonObject xo && b instanceof JsonObject yo) {
      Map<String, JsonValue> x = xo.members();
      Map<String, JsonValue> y = yo.members();
      if (!x.keySet().equals(y.keySet())) {
        return false;
      }
      for (Map.Entry<String, JsonValue> e : x.entrySet()) {
        if (!jsonEquals(e.getValue(), y.get(e.getKey()), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Writes compact JSON, failing beyond {@link #MAX_RESULT_CHARS} characters or deep nesting. */
  static String write(JsonValue v) throws JmesPathException {
    StringBuilder sb = new StringBuilder();
    write(v, sb, 0);
    return sb.toString();
  }

  private static void write(JsonValue v, StringBuilder sb, int depth) throws JmesPathException {
    if (sb.length() > MAX_RESULT_CHARS) {
      throw new JmesPathException("result longer than " + MAX_RESULT_CHARS + " characters");
    }
    if (depth > 256) {
      throw new JmesPathException("result nested too deeply");
    }
    if (v instanceof JsonObject obj) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonValue> e : obj.members().entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        Json.quote(e.getKey(), sb);
        sb.append(':');
        write(e.getValue(), sb, depth + 1);
      }
      sb.append('}');
    } else if (v instanceof JsonArray arr) {
      sb.append('[');
      boolean first = true;
      for (JsonValue e : arr.elements()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(e, sb, depth + 1);
      }
      sb.append(']');
    } else if (v instanceof JsonString str) {
      Json.quote(str.value(), sb);
    } else if (v instanceof JsonNumber num) {
      sb.append(num.text());
    } else if (v instanceof JsonBool bool) {
      sb.append(bool.value());
    } else {
      sb.append("null");
    }
  }

  @Override
  public String toString() {
    return "JmesPath[" + text + "]";
  }
}
