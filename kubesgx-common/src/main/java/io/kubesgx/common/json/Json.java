package io.kubesgx.common.json;

import io.kubesgx.common.MalformedInputException;
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
 * Strict JSON (RFC 8259) parsing and compact writing.
 *
 * <p>Rejects duplicate object keys, unpaired surrogates in escapes, control characters in strings,
 * leading zeros, nesting deeper than {@link #MAX_DEPTH} and anything after the top-level value.
 */
public final class Json {
  /**
   * Most objects and arrays nested in one another that a document may contain (64: {@code
   * [[…]]} with 64 brackets parses, 65 does not). Consumers that embed parsed values (token claims)
   * rely on this one limit.
   */
  public static final int MAX_DEPTH = 64;

  private final String s;
  private final int maxDepth;
  private int i;

  private Json(String s, int maxDepth) {
    this.s = s;
    this.maxDepth = maxDepth;
  }

  /** Parses one JSON document with at most {@link #MAX_DEPTH} nested objects and arrays. */
  public static JsonValue parse(String text) throws MalformedInputException {
    return parse(text, MAX_DEPTH);
  }

  /**
   * Parses one JSON document with at most {@code maxDepth} nested objects and arrays, for a value
   * that will be embedded {@code MAX_DEPTH - maxDepth} levels deep in another document.
   *
   * @throws IllegalArgumentException when {@code maxDepth} is not within 0..{@link #MAX_DEPTH}
   */
  public static JsonValue parse(String text, int maxDepth) throws MalformedInputException {
    if (maxDepth < 0 || maxDepth > MAX_DEPTH) {
      throw new IllegalArgumentException("maxDepth must be within 0.." + MAX_DEPTH + ", got " + maxDepth);
    }
    Json p = new Json(text, maxDepth);
    p.ws();
    JsonValue v = p.value(0);
    p.ws();
    if (p.i != text.length()) {
      throw p.err("unexpected data after the JSON value");
    }
    return v;
  }

  /** Parses a document that must be an object. */
  public static JsonObject parseObject(String text) throws MalformedInputException {
    JsonValue v = parse(text);
    if (!(v instanceof JsonObject)) {
      throw new MalformedInputException("expected a JSON object");
    }
    return (JsonObject) v;
  }

  private MalformedInputException err(String msg) {
    return new MalformedInputException("JSON: " + msg + " at character " + i);
  }

  private void ws() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        i++;
      } else {
        break;
      }
    }
  }

  /** Parses a value inside {@code depth} enclosing objects and arrays. */
  private JsonValue value(int depth) throws MalformedInputException {
    if (i >= s.length()) {
      throw err("unexpected end of input");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return new JsonString(string());
      case 't':
        literal("true");
        return new JsonBool(true);
      case 'f':
        literal("false");
        return new JsonBool(false);
      case 'n':
        literal("null");
        return new JsonNull();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw err("unexpected character '" + printable(c) + "'");
    }
  }

  private void nest(int enclosing) throws MalformedInputException {
    if (enclosing >= maxDepth) {
      throw err("more than " + maxDepth + " nested objects or arrays");
    }
  }

  /** Returns how many objects and arrays are nested in {@code v} (0 for a scalar). */
  public static int depth(JsonValue v) {
    if (v instanceof JsonObject o) {
      int d = 0;
      for (JsonValue x : o.members().values()) {
        d = Math.max(d, depth(x));
      }
      return d + 1;
    }
    if (v instanceof JsonArray a) {
      int d = 0;
      for (JsonValue x : a.elements()) {
        d = Math.max(d, depth(x));
      }
      return d + 1;
    }
    return 0;
  }

  private static String printable(char c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private void literal(String word) throws MalformedInputException {
    if (!s.startsWith(word, i)) {
      throw err("invalid literal");
    }
    i += word.length();
  }

  private JsonObject object(int depth) throws MalformedInputException {
    nest(depth);
    i++;
    Map<String, JsonValue> m = new LinkedHashMap<>();
    ws();
    if (i < s.length() && s.charAt(i) == '}') {
      i++;
      return new JsonObject(m);
    }
    while (true) {
      ws();
      if (i >= s.length() || s.charAt(i) != '"') {
        throw err("expected an object key");
      }
      String key = string();
      ws();
      if (i >= s.length() || s.charAt(i) != ':') {
        throw err("expected ':'");
      }
      i++;
      ws();
      JsonValue v = value(depth + 1);
      if (m.put(key, v) != null) {
        throw err("duplicate key '" + key + "'");
      }
      ws();
      if (i >= s.length()) {
        throw err("unterminated object");
      }
      char c = s.charAt(i++);
      if (c == '}') {
        return new JsonObject(m);
      }
      if (c != ',') {
        throw err("expected ',' or '}'");
      }
    }
  }

  private JsonArray array(int depth) throws MalformedInputException {
    nest(depth);
    i++;
    List<JsonValue> l = new ArrayList<>();
    ws();
    if (i < s.length() && s.charAt(i) == ']') {
      i++;
      return new JsonArray(l);
    }
    while (true) {
      ws();
      l.add(value(depth + 1));
      ws();
      if (i >= s.length()) {
        throw err("unterminated array");
      }
      char c = s.charAt(i++);
      if (c == ']') {
        return new JsonArray(l);
      }
      if (c != ',') {
        throw err("expected ',' or ']'");
      }
    }
  }

  private String string() throws MalformedInputException {
    i++;
    // Fast path: a string without escapes or control characters is a plain substring.
    for (int k = i; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '"') {
        String out = s.substring(i, k);
        i = k + 1;
        return out;
      }
      if (c == '\\' || c < 0x20) {
        break;
      }
    }
    StringBuilder sb = new StringBuilder();
    while (true) {
      int run = i;
      while (run < s.length()) {
        char r = s.charAt(run);
        if (r == '"' || r == '\\' || r < 0x20) {
          break;
        }
        run++;
      }
      sb.append(s, i, run);
      i = run;
      if (i >= s.length()) {
        throw err("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        i--;
        throw err("control character in string");
      }
      if (i >= s.length()) {
        throw err("unterminated escape");
      }
      char e = s.charAt(i++);
      switch (e) {
        case '"':
          sb.append('"');
          break;
        case '\\':
          sb.append('\\');
          break;
        case '/':
          sb.append('/');
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          char u = hex4();
          if (Character.isHighSurrogate(u)) {
            if (!s.startsWith("\\u", i)) {
              throw err("unpaired surrogate escape");
            }
            i += 2;
            char lo = hex4();
            if (!Character.isLowSurrogate(lo)) {
              throw err("unpaired surrogate escape");
            }
            sb.append(u).append(lo);
          } else if (Character.isLowSurrogate(u)) {
            throw err("unpaired surrogate escape");
          } else {
            sb.append(u);
          }
          break;
        default:
          throw err("invalid escape '\\" + printable(e) + "'");
      }
    }
  }

  private char hex4() throws MalformedInputException {
    if (i + 4 > s.length()) {
      throw err("truncated \\u escape");
    }
    int v = 0;
    for (int k = 0; k < 4; k++) {
      int d = Character.digit(s.charAt(i + k), 16);
      if (d < 0 || s.charAt(i + k) > 0x7f) {
        throw err("invalid \\u escape");
      }
      v = v << 4 | d;
    }
    i += 4;
    return (char) v;
  }

  private JsonNumber number() throws MalformedInputException {
    int start = i;
    if (s.charAt(i) == '-') {
      i++;
    }
    if (i >= s.length()) {
      throw err("truncated number");
    }
    if (s.charAt(i) == '0') {
      i++;
    } else if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
      while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 0x80) {
        i++;
      }
    } else {
      throw err("invalid number");
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      int d = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == d) {
        throw err("invalid fraction");
      }
    }
    if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int d = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == d) {
        throw err("invalid exponent");
      }
      if (i - d > 6) {
        throw err("exponent too large");
      }
    }
    if (i - start > 100) {
      throw err("number too long");
    }
    return new JsonNumber(s.substring(start, i));
  }

  /** Writes a value as compact JSON. */
  public static String write(JsonValue v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb);
    return sb.toString();
  }

  /** Appends a value as compact JSON; numbers are written exactly as they were parsed. */
  public static void write(JsonValue v, StringBuilder sb) {
    if (v instanceof JsonObject) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonValue> e : ((JsonObject) v).members().entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(e.getKey(), sb);
        sb.append(':');
        write(e.getValue(), sb);
      }
      sb.append('}');
    } else if (v instanceof JsonArray) {
      sb.append('[');
      boolean first = true;
      for (JsonValue e : ((JsonArray) v).elements()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(e, sb);
      }
      sb.append(']');
    } else if (v instanceof JsonString) {
      quote(((JsonString) v).value(), sb);
    } else if (v instanceof JsonNumber) {
      sb.append(((JsonNumber) v).text());
    } else if (v instanceof JsonBool) {
      sb.append(((JsonBool) v).value());
    } else {
      sb.append("null");
    }
  }

  /** Appends {@code text} as a quoted JSON string. */
  public static void quote(String text, StringBuilder sb) {
    sb.append('"');
    int from = 0;
    for (int k = 0; k < text.length(); k++) {
      char c = text.charAt(k);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(text, from, k);
      from = k + 1;
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          sb.append(String.format("\\u%04x", (int) c));
      }
    }
    sb.append(text, from, text.length());
    sb.append('"');
  }
}
