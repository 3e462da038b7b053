package io.kubesgx.attestation.token;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import java.util.Collection;
import java.util.Map;

/**
 * Writes JWT claim values (Map, Collection, String, Number, Boolean, null, and parsed {@link
 * JsonValue}s) as compact JSON. Parsed JSON (runtime data, policy-issued values) is written exactly
 * as it was parsed, numbers included, so a claim says what the enclave bound; the strict parser's
 * {@link Json#MAX_DEPTH} already bounds its nesting.
 */
final class JwtJson {
  private JwtJson() {}

  static String write(Object value) {
    StringBuilder sb = new StringBuilder(1024);
    write(value, sb, 0);
    return sb.toString();
  }

  private static void write(Object v, StringBuilder sb, int depth) {
    if (depth >= Json.MAX_DEPTH) {
      throw new IllegalArgumentException("claims nest deeper than " + Json.MAX_DEPTH + " levels");
    }
    if (v == null) {
      sb.append("null");
    } else if (v instanceof JsonValue j) {
      if (depth + Json.depth(j) > Json.MAX_DEPTH) {
        throw new IllegalArgumentException("claims nest deeper than " + Json.MAX_DEPTH + " levels");
      }
      Json.write(j, sb);
    } else if (v instanceof String s) {
      Json.quote(s, sb);
    } else if (v instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
        || v instanceof java.math.BigInteger) {
      sb.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException("claims cannot hold " + d);
      }
      sb.append(v instanceof java.math.BigDecimal bd ? bd.toString() : Double.toString(d));
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        Json.quote(String.valueOf(e.getKey()), sb);
        sb.append(':');
        write(e.getValue(), sb, depth + 1);
      }
      sb.append('}');
    } else if (v instanceof Collection<?> c) {
      sb.append('[');
      boolean first = true;
      for (Object o : c) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(o, sb, depth + 1);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("claims cannot hold a " + v.getClass().getName());
    }
  }
}
