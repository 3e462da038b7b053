package io.kubesgx.policy;

import io.kubesgx.policy.Ast.Action;
import io.kubesgx.policy.Ast.Call;
import io.kubesgx.policy.Ast.Condition;
import io.kubesgx.policy.Ast.Expr;
import io.kubesgx.policy.Ast.Fn;
import io.kubesgx.policy.Ast.Lit;
import io.kubesgx.policy.Ast.Op;
import io.kubesgx.policy.Ast.Prop;
import io.kubesgx.policy.Ast.Ref;
import io.kubesgx.policy.Ast.Rule;
import io.kubesgx.policy.Ast.Section;
import io.kubesgx.policy.Ast.Test;
import io.kubesgx.policy.Ast.Verb;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lexes and parses MAA policy text into {@link Ast} rules, checking every static rule of the
 * grammar (sections per version, actions per section, operators per literal type, bindings).
 */
final class PolicyParser {
  /** Maximum policy size in UTF-8 bytes. */
  static final int MAX_TEXT_BYTES = 64 * 1024;
  /** Maximum number of rules over all sections. */
  static final int MAX_RULES = 1000;
  /** Maximum nesting of function calls inside one value expression. */
  static final int MAX_CALL_DEPTH = 16;

  private enum Kind {
    IDENT,
    STRING,
    INT,
    SYM,
    EOF
  }

  private record Token(Kind kind, String text, long number, int line, int col) {
    String describe() {
      return switch (kind) {
        case IDENT -> "identifier \"" + text + "\"";
        case STRING -> "string literal";
        case INT -> "integer " + number;
        case SYM -> "\"" + text + "\"";
        default -> "end of input";
      };
    }

    boolean is(String sym) {
      return kind == Kind.SYM && text.equals(sym);
    }

    boolean isIdent(String word) {
      return kind == Kind.IDENT && text.equals(word);
    }
  }

  /** The parsed policy: version and rules per section. */
  record Parsed(PolicyVersion version, Map<Section, List<Rule>> sections) {}

  private final String src;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private PolicyVersion version;
  private int ruleCount;
  // per-rule binding scope
  private final List<String> bindings = new ArrayList<>();

  private PolicyParser(String src) {
    this.src = src;
  }

  static Parsed parse(String text) throws PolicyParseException {
    PolicyParser p = new PolicyParser(text);
    p.checkSize();
    p.lex();
    return p.policy();
  }

  // ---------------------------------------------------------------- size and lexing

  private void checkSize() throws PolicyParseException {
    long bytes = 0;
    int line = 1;
    int col = 1;
    for (int i = 0; i < src.length(); i++) {
      char c = src.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
      if (bytes > MAX_TEXT_BYTES) {
        throw new PolicyParseException(
            "policy text exceeds the limit of " + MAX_TEXT_BYTES + " bytes", line, col);
      }
      if (c == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
  }

  private void lex() throws PolicyParseException {
    int i = 0;
    int line = 1;
    int lineStart = 0;
    int n = src.length();
    while (true) {
      // skip whitespace and comments
      while (i < n) {
        char c = src.charAt(i);
        if (c == '\n') {
          line++;
          i++;
          lineStart = i;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u00a0'
            || c == '\ufeff') {
          i++;
        } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
          while (i < n && src.charAt(i) != '\n') {
            i++;
          }
        } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
          throw new PolicyParseException(
              "block comments are not part of the MAA policy grammar; use // line comments",
              line,
              i - lineStart + 1);
        } else {
          break;
        }
      }
      int col = i - lineStart + 1;
      if (i >= n) {
        tokens.add(new Token(Kind.EOF, "", 0, line, col));
        return;
      }
      char c = src.charAt(i);
      if (isIdentStart(c)) {
        int s = i;
        while (i < n && isIdentPart(src.charAt(i))) {
          i++;
        }
        tokens.add(new Token(Kind.IDENT, src.substring(s, i), 0, line, col));
      } else if (isDigit(c) || (c == '-' && i + 1 < n && isDigit(src.charAt(i + 1)))) {
        int s = i;
        i++;
        while (i < n && isDigit(src.charAt(i))) {
          i++;
        }
        if (i < n && isIdentPart(src.charAt(i))) {
          throw new PolicyParseException(
              "malformed integer literal \"" + src.substring(s, i + 1) + "\"", line, col);
        }
        long v;
        try {
          v = Long.parseLong(src.substring(s, i));
        } catch (NumberFormatException e) {
          throw new PolicyParseException("integer literal out of 64-bit range", line, col);
        }
        tokens.add(new Token(Kind.INT, src.substring(s, i), v, line, col));
      } else if (c == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        while (true) {
          if (i >= n) {
            throw new PolicyParseException("unterminated string literal", line, col);
          }
          char d = src.charAt(i);
          if (d == '"') {
            i++;
            break;
          }
          if (d < 0x20) {
            throw new PolicyParseException(
                "unterminated string literal (control character or line break inside it)",
                line,
                col);
          }
          if (d == '\\') {
            if (i + 1 >= n) {
              throw new PolicyParseException("unterminated string literal", line, col);
            }
            char e = src.charAt(i + 1);
            int ecol = i - lineStart + 1;
            switch (e) {
              case '"', '\\', '/' -> sb.append(e);
              case 'n' -> sb.append('\n');
              case 't' -> sb.append('\t');
              case 'r' -> sb.append('\r');
              case 'b' -> sb.append('\b');
              case 'f' -> sb.append('\f');
              case 'u' -> {
                if (i + 6 > n) {
                  throw new PolicyParseException(
                      "expected four hex digits after \\u", line, ecol);
                }
                int cp = 0;
                for (int k = i + 2; k < i + 6; k++) {
                  int h = Character.digit(src.charAt(k), 16);
                  if (h < 0) {
                    throw new PolicyParseException(
                        "expected four hex digits after \\u", line, ecol);
                  }
                  cp = cp * 16 + h;
                }
                sb.append((char) cp);
                i += 4;
              }
              default -> {
                throw new PolicyParseException(
                    "invalid escape \"\\" + e + "\" in string literal", line, ecol);
              }
            }
            i += 2;
          } else {
            sb.append(d);
            i++;
          }
        }
        tokens.add(new Token(Kind.STRING, sb.toString(), 0, line, col));
      } else {
        String two = i + 1 < n ? src.substring(i, i + 2) : "";
        String sym;
        switch (two) {
          case "==", "!=", "<=", ">=", "=>", "&&" -> sym = two;
          default -> {
            if ("=<>!:,;.()[]{}".indexOf(c) >= 0) {
              sym = String.valueOf(c);
            } else if (c == '|') {
              throw new PolicyParseException(
                  "\"|\" is not an operator; conditions are joined by \"&&\" only (write"
                      + " alternatives as separate rules)",
                  line,
                  col);
            } else if (c == '\u201c' || c == '\u201d') {
              throw new PolicyParseException(
                  "unexpected typographic quote; string literals use straight double quotes (\")",
                  line,
                  col);
            } else {
              throw new PolicyParseException(
                  "unexpected character " + printable(c), line, col);
            }
          }
        }
        i += sym.length();
        tokens.add(new Token(Kind.SYM, sym, 0, line, col));
      }
    }
  }

  private static String printable(char c) {
    if (c >= 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    return String.format(Locale.ROOT, "U+%04X", (int) c);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isIdentPart(char c) {
    return isIdentStart(c) || isDigit(c);
  }

  // ---------------------------------------------------------------- token helpers

  private Token peek() {
    return tokens.get(pos);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
  }

  private Token next() {
    Token t = tokens.get(pos);
    if (t.kind != Kind.EOF) {
      pos++;
    }
    return t;
  }

  private static PolicyParseException error(Token t, String reason) {
    return new PolicyParseException(reason, t.line, t.col);
  }

  private Token expectSym(String sym, String context) throws PolicyParseException {
    Token t = peek();
    if (!t.is(sym)) {
      throw error(t, "expected \"" + sym + "\" " + context + ", found " + t.describe());
    }
    return next();
  }

  // ---------------------------------------------------------------- grammar

  private Parsed policy() throws PolicyParseException {
    Token v = peek();
    if (!v.isIdent("version")) {
      throw error(v, "expected \"version=\" at the start of the policy, found " + v.describe());
    }
    next();
    expectSym("=", "after version");
    Token major = next();
    Token dot = next();
    Token minor = next();
    if (major.kind != Kind.INT || !dot.is(".") || minor.kind != Kind.INT
        || major.number < 0 || minor.number < 0) {
      throw error(major, "expected a version number such as 1.0, 1.1 or 1.2 after \"version=\"");
    }
    String vt = major.text + "." + minor.text;
    version = PolicyVersion.fromText(vt);
    if (version == null) {
      throw error(major, "unsupported policy version " + vt + "; expected 1.0, 1.1 or 1.2");
    }
    expectSym(";", "after the version");

    Map<Section, List<Rule>> sections = new EnumMap<>(Section.class);
    Section last = null;
    while (peek().kind != Kind.EOF) {
      Token name = next();
      Section s = name.kind == Kind.IDENT ? sectionOf(name.text) : null;
      if (s == null) {
        throw error(
            name,
            "expected a section name (configurationrules, authorizationrules or issuancerules),"
                + " found "
                + name.describe());
      }
      if (version.compareTo(s.since) < 0) {
        throw error(
            name,
            s.keyword
                + " requires version="
                + s.since
                + " or later; this policy declares version="
                + version);
      }
      if (sections.containsKey(s)) {
        throw error(name, "duplicate section " + s.keyword);
      }
      if (last != null && s.compareTo(last) < 0) {
        throw error(
            name,
            s.keyword
                + " must come before "
                + last.keyword
                + " (order: configurationrules, authorizationrules, issuancerules)");
      }
      last = s;
      expectSym("{", "after " + s.keyword);
      List<Rule> rules = new ArrayList<>();
      while (!peek().is("}")) {
        if (peek().kind == Kind.EOF) {
          throw error(peek(), "expected \"}\" to close " + s.keyword + ", found end of input");
        }
        rules.add(rule(s, rules.size() + 1));
      }
      next();
      expectSym(";", "after the closing \"}\" of " + s.keyword);
      sections.put(s, List.copyOf(rules));
    }
    for (Section s : Section.values()) {
      sections.putIfAbsent(s, List.of());
    }
    return new Parsed(version, sections);
  }

  private static Section sectionOf(String word) {
    // Section names are matched case-insensitively: Microsoft's custom-tcb-baseline-enforcement
    // sample writes "Issuancerules".
    for (Section s : Section.values()) {
      if (s.keyword.equalsIgnoreCase(word)) {
        return s;
      }
    }
    return null;
  }

  private Rule rule(Section section, int index) throws PolicyParseException {
    Token first = peek();
    if (++ruleCount > MAX_RULES) {
      throw error(first, "too many rules; a policy may have at most " + MAX_RULES);
    }
    bindings.clear();
    List<Condition> conditions = new ArrayList<>();
    if (!first.is("=>")) {
      conditions.add(condition());
      while (peek().is("&&")) {
        next();
        conditions.add(condition());
      }
      Token t = peek();
      if (!t.is("=>")) {
        throw error(
            t, "expected \"&&\" or \"=>\" after a condition, found " + t.describe());
      }
    }
    next(); // =>
    Action action = action(section);
    Token semi = peek();
    if (!semi.is(";")) {
      throw error(semi, "expected \";\" after the action, found " + semi.describe());
    }
    next();
    return new Rule(
        section, index, first.line, List.copyOf(conditions), action, bindings.size());
  }

  private Condition condition() throws PolicyParseException {
    Token t = peek();
    boolean negated = false;
    if (t.is("!")) {
      requireVersion(t, "the not-condition operator \"!\"");
      negated = true;
      next();
      t = peek();
    }
    int slot = -1;
    String bindName = null;
    if (t.kind == Kind.IDENT && peek(1).is(":")) {
      if (negated) {
        throw error(t, "a negated condition cannot bind an identifier");
      }
      if (bindings.contains(t.text)) {
        throw error(t, "identifier \"" + t.text + "\" is already bound in this rule");
      }
      bindName = t.text;
      next();
      next();
      t = peek();
    }
    if (!t.is("[")) {
      throw error(
          t,
          "expected \"[\" to start a condition"
              + (bindName == null && !negated ? " (or \"=>\" for a rule without conditions)" : "")
              + ", found "
              + t.describe());
    }
    next();
    List<Test> tests = new ArrayList<>();
    if (!peek().is("]")) {
      tests.add(test());
      while (peek().is(",")) {
        next();
        tests.add(test());
      }
    }
    Token close = peek();
    if (!close.is("]")) {
      throw error(
          close, "expected \",\" or \"]\" after a claim property test, found " + close.describe());
    }
    next();
    if (bindName != null) {
      // bound only now: a binding is not visible inside its own condition
      bindings.add(bindName);
      slot = bindings.size() - 1;
    }
    return new Condition(negated, slot, List.copyOf(tests));
  }

  private Test test() throws PolicyParseException {
    Token p = next();
    Prop prop = p.kind == Kind.IDENT ? Prop.fromKeyword(p.text) : null;
    if (prop == null) {
      throw error(
          p,
          "expected a claim property (type, value, issuer or valueType), found " + p.describe());
    }
    Token o = peek();
    Op op = o.kind == Kind.SYM ? Op.fromSymbol(o.text) : null;
    if (op == null) {
      throw error(
          o,
          "expected a comparison operator (\"==\", \"!=\", \"<\", \"<=\", \">\" or \">=\") after "
              + prop.keyword
              + ", found "
              + o.describe());
    }
    next();
    Token rhsTok = peek();
    Expr rhs = expr(0);
    if (prop != Prop.VALUE) {
      if (op.ordering()) {
        throw error(
            o,
            "expected \"==\" or \"!=\" after "
                + prop.keyword
                + " (a string property), found \""
                + op.symbol
                + "\"");
      }
      if (rhs instanceof Lit lit && !(lit.value() instanceof ClaimValue.Str)) {
        throw error(rhsTok, prop.keyword + " must be compared with a string literal");
      }
    } else if (op.ordering() && rhs instanceof Lit lit) {
      ClaimValue v = lit.value();
      if (v instanceof ClaimValue.Str) {
        throw error(o, "expected \"==\" or \"!=\" after value for a string literal");
      }
      if (v instanceof ClaimValue.Bool) {
        throw error(o, "expected \"==\" or \"!=\" after value for a boolean literal");
      }
    }
    return new Test(prop, op, rhs);
  }

  private Expr expr(int depth) throws PolicyParseException {
    Token t = next();
    switch (t.kind) {
      case STRING -> {
        return Lit.of(ClaimValue.of(t.text));
      }
      case INT -> {
        return Lit.of(ClaimValue.of(t.number));
      }
      case IDENT -> {
        if (t.text.equals("true") || t.text.equals("false")) {
          return Lit.of(ClaimValue.of(t.text.equals("true")));
        }
        if (peek().is(".")) {
          int slot = bindings.indexOf(t.text);
          if (slot < 0) {
            throw error(
                t,
                "unknown identifier \""
                    + t.text
                    + "\"; bind it with "
                    + t.text
                    + ":[...] in an earlier condition of the same rule");
          }
          next();
          Token p = next();
          Prop prop = p.kind == Kind.IDENT ? Prop.fromKeyword(p.text) : null;
          if (prop == null) {
            throw error(
                p,
                "expected a claim property (type, value, issuer or valueType) after \""
                    + t.text
                    + ".\", found "
                    + p.describe());
          }
          return new Ref(slot, prop);
        }
        if (peek().is("(")) {
          return call(t, depth);
        }
        throw error(
            t,
            "expected a value (string, integer, true, false, a claim property such as c.value"
                + " or a function call), found "
                + t.describe());
      }
      default -> {
        throw error(
            t,
            "expected a value (string, integer, true, false, a claim property such as c.value"
                + " or a function call), found "
                + t.describe());
      }
    }
  }

  private Expr call(Token name, int depth) throws PolicyParseException {
    Fn fn = Fn.fromName(name.text);
    if (fn == null) {
      throw error(
          name,
          "unknown function \""
              + name.text
              + "\"; expected JmesPath, JsonToClaimValue, IsSubsetOf, AppendString, NegateBool"
              + " or ContainsOnlyValue");
    }
    requireVersion(name, "function " + fn.name);
    if (depth >= MAX_CALL_DEPTH) {
      throw error(name, "function calls nested deeper than " + MAX_CALL_DEPTH);
    }
    next(); // (
    List<Expr> args = new ArrayList<>();
    List<Token> argToks = new ArrayList<>();
    if (!peek().is(")")) {
      argToks.add(peek());
      args.add(expr(depth + 1));
      while (peek().is(",")) {
        next();
        argToks.add(peek());
        args.add(expr(depth + 1));
      }
    }
    Token close = peek();
    if (!close.is(")")) {
      throw error(close, "expected \",\" or \")\" in the call of " + fn.name + ", found "
          + close.describe());
    }
    next();
    if (args.size() != fn.arity) {
      throw error(
          name,
          fn.name + " takes exactly " + fn.arity + " argument" + (fn.arity == 1 ? "" : "s")
              + ", found " + args.size());
    }
    JmesPath query = null;
    if (fn == Fn.JMES_PATH && args.get(1) instanceof Lit lit) {
      ClaimValue q = lit.value();
      if (!(q instanceof ClaimValue.Str s)) {
        throw error(argToks.get(1), "the JmesPath query must be a string");
      }
      try {
        query = JmesPath.compile(s.v());
      } catch (JmesPath.JmesPathException e) {
        throw error(argToks.get(1), "invalid JmesPath query: " + e.getMessage());
      }
    }
    return new Call(fn, List.copyOf(args), query);
  }

  private Action action(Section section) throws PolicyParseException {
    Token t = next();
    Verb verb = t.kind == Kind.IDENT ? Verb.fromKeyword(t.text) : null;
    if (verb == null) {
      throw error(
          t,
          "expected an action (permit, deny, add, issue or issueproperty), found "
              + t.describe());
    }
    if (!verb.allowedIn(section)) {
      throw error(
          t,
          verb.keyword
              + "() is not allowed in "
              + section.keyword
              + "; it is allowed only in "
              + verb.allowedSections());
    }
    expectSym("(", "after " + verb.keyword);
    if (verb == Verb.PERMIT || verb == Verb.DENY) {
      Token c = peek();
      if (!c.is(")")) {
        throw error(c, verb.keyword + "() takes no arguments; expected \")\", found "
            + c.describe());
      }
      next();
      return new Action(verb, null, null, -1);
    }
    Token a = peek();
    if (a.isIdent("claim") && peek(1).is("=")) {
      next();
      next();
      Token id = next();
      int slot = id.kind == Kind.IDENT ? bindings.indexOf(id.text) : -1;
      if (slot < 0) {
        throw error(
            id,
            "expected an identifier bound by a condition of this rule after \"claim=\", found "
                + id.describe());
      }
      expectSym(")", "after claim=" + id.text);
      return new Action(verb, null, null, slot);
    }
    Expr type = null;
    Expr value = null;
    while (true) {
      Token k = next();
      boolean isType = k.isIdent("type");
      boolean isValue = k.isIdent("value");
      if (!isType && !isValue) {
        throw error(
            k,
            "expected \"type=\", \"value=\" or \"claim=\" in "
                + verb.keyword
                + "(...), found "
                + k.describe());
      }
      if ((isType && type != null) || (isValue && value != null)) {
        throw error(k, "duplicate argument \"" + k.text + "\" in " + verb.keyword + "(...)");
      }
      expectSym("=", "after " + k.text);
      Token vt = peek();
      Expr e = expr(0);
      if (isType) {
        if (e instanceof Lit lit && !(lit.value() instanceof ClaimValue.Str)) {
          throw error(vt, "the claim type must be a string");
        }
        type = e;
      } else {
        value = e;
      }
      Token sep = next();
      if (sep.is(")")) {
        break;
      }
      if (!sep.is(",")) {
        throw error(
            sep, "expected \",\" or \")\" in " + verb.keyword + "(...), found " + sep.describe());
      }
    }
    if (type == null || value == null) {
      throw error(
          a, verb.keyword + "(...) needs both type= and value= (or a single claim=identifier)");
    }
    return new Action(verb, type, value, -1);
  }

  private void requireVersion(Token t, String what) throws PolicyParseException {
    if (version.compareTo(PolicyVersion.V1_2) < 0) {
      throw error(
          t, what + " requires version=1.2 or later; this policy declares version=" + version);
    }
  }
}
