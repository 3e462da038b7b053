package io.kubesgx.collateral.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonArray;
import io.kubesgx.common.json.JsonValue.JsonNull;
import io.kubesgx.common.json.JsonValue.JsonNumber;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.common.json.JsonValue.JsonString;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Typed, path-aware accessors over strict JSON objects; every failure names the full field path.
 *
 * <p>Integers must be written as plain JSON integers ({@code 1.0}, {@code 1e2} and {@code -0} are
 * rejected even though they denote integral values), which matches how Intel's QVL (rapidjson
 * {@code IsUint}/{@code IsInt}) reads collateral.
 */
public final class JsonFields {
  /**
   * RFC 3339 {@code date-time}: full date, {@code T}, full time with seconds, optional fraction,
   * {@code Z} or a numeric offset. ASCII digits only.
   */
  private static final Pattern RFC3339 =
      Pattern.compile(
          "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");

  private JsonFields() {}

  /** Joins a parent path and a member name. */
  public static String path(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** Joins a parent path and an array index. */
  public static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }

  /** Returns a required member. */
  public static JsonValue require(JsonObject o, String key, String parent)
      throws MalformedInputException {
    JsonValue v = o.get(key);
    if (v == null) {
      throw new MalformedInputException(path(parent, key) + ": missing");
    }
    return v;
  }

  /** Casts to an object. */
  public static JsonObject asObject(JsonValue v, String path) throws MalformedInputException {
    if (v instanceof JsonObject) {
      return (JsonObject) v;
    }
    throw new MalformedInputException(path + ": must be a JSON object, got " + kind(v));
  }

  /** Returns a required object member. */
  public static JsonObject object(JsonObject o, String key, String parent)
      throws MalformedInputException {
    return asObject(require(o, key, parent), path(parent, key));
  }

  /** Returns a required array member. */
  public static List<JsonValue> array(JsonObject o, String key, String parent)
      throws MalformedInputException {
    JsonValue v = require(o, key, parent);
    if (v instanceof JsonArray) {
      return ((JsonArray) v).elements();
    }
    throw new MalformedInputException(path(parent, key) + ": must be a JSON array, got " + kind(v));
  }

  /** Casts to a string. */
  public static String asString(JsonValue v, String path) throws MalformedInputException {
    if (v instanceof JsonString) {
      return ((JsonString) v).value();
    }
    throw new MalformedInputException(path + ": must be a JSON string, got " + kind(v));
  }

  /** Returns a required string member. */
  public static String string(JsonObject o, String key, String parent)
      throws MalformedInputException {
    return asString(require(o, key, parent), path(parent, key));
  }

  /** Returns a string member, or null when it is absent or JSON null. */
  public static String optString(JsonObject o, String key, String parent)
      throws MalformedInputException {
    JsonValue v = o.get(key);
    if (v == null || v instanceof JsonNull) {
      return null;
    }
    return asString(v, path(parent, key));
  }

  /** Reads a plain JSON integer within {@code [min, max]}. */
  public static long asInteger(JsonValue v, String path, long min, long max)
      throws MalformedInputException {
    if (!(v instanceof JsonNumber)) {
      throw new MalformedInputException(path + ": must be an integer, got " + kind(v));
    }
    String t = ((JsonNumber) v).text();
    long value = parsePlainInteger(t, path);
    if (value < min || value > max) {
      throw new MalformedInputException(
          path + ": must be an integer in " + min + ".." + max + ", got " + t);
    }
    return value;
  }

  private static long parsePlainInteger(String t, String path) throws MalformedInputException {
    int start = t.startsWith("-") ? 1 : 0;
    int digits = t.length() - start;
    boolean ok = digits >= 1 && digits <= 19 && !(digits > 1 && t.charAt(start) == '0');
    for (int i = start; ok && i < t.length(); i++) {
      char c = t.charAt(i);
      ok = c >= '0' && c <= '9';
    }
    if (!ok || t.equals("-0")) {
      throw new MalformedInputException(path + ": must be a plain integer, got " + abbreviate(t));
    }
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new MalformedInputException(path + ": integer out of range: " + abbreviate(t), e);
    }
  }

  /** Returns a required integer member within {@code [min, max]}. */
  public static long integer(JsonObject o, String key, String parent, long min, long max)
      throws MalformedInputException {
    return asInteger(require(o, key, parent), path(parent, key), min, max);
  }

  /** Returns a required hex member of exactly {@code byteLength} bytes (either case). */
  public static Bytes hex(JsonObject o, String key, String parent, int byteLength)
      throws MalformedInputException {
    String p = path(parent, key);
    String s = asString(require(o, key, parent), p);
    if (s.length() != byteLength * 2) {
      throw new MalformedInputException(
          p + ": expected " + byteLength * 2 + " hex digits (" + byteLength + " bytes), got "
              + s.length() + " characters");
    }
    try {
      return Bytes.of(Hex.decode(s));
    } catch (MalformedInputException e) {
      throw new MalformedInputException(p + ": " + e.getMessage(), e);
    }
  }

  /** Parses an RFC 3339 date-time ({@code Z} or numeric offset) to an instant. */
  public static Instant asDate(JsonValue v, String path) throws MalformedInputException {
    String s = asString(v, path);
    Instant fast = compactUtc(s);
    if (fast != null) {
      return fast;
    }
    if (s.length() > 40 || !RFC3339.matcher(s).matches()) {
      throw new MalformedInputException(
          path + ": must be an RFC 3339 date-time such as 2025-06-19T10:56:11Z, got '"
              + abbreviate(s) + "'");
    }
    try {
      return OffsetDateTime.parse(s.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant();
    } catch (DateTimeParseException e) {
      throw new MalformedInputException(path + ": invalid date-time '" + s + "'", e);
    }
  }

  /**
   * Fast path for the form PCS always uses, {@code yyyy-MM-ddTHH:mm:ssZ}; returns null for anything
   * else (which then takes the general, regex-checked path).
   */
  private static Instant compactUtc(String s) {
    if (s.length() != 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
        || s.charAt(13) != ':' || s.charAt(16) != ':' || (s.charAt(19) != 'Z' && s.charAt(19) != 'z')) {
      return null;
    }
    int y = digits(s, 0, 4);
    int mo = digits(s, 5, 2);
    int d = digits(s, 8, 2);
    int h = digits(s, 11, 2);
    int mi = digits(s, 14, 2);
    int se = digits(s, 17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) {
      return null;
    }
    try {
      return java.time.LocalDateTime.of(y, mo, d, h, mi, se).toInstant(java.time.ZoneOffset.UTC);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  private static int digits(String s, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Returns a required RFC 3339 date-time member. */
  public static Instant date(JsonObject o, String key, String parent)
      throws MalformedInputException {
    return asDate(require(o, key, parent), path(parent, key));
  }

  /** Returns an optional array of non-empty strings; absent means empty. */
  public static List<String> optStringArray(JsonObject o, String key, String parent)
      throws MalformedInputException {
    JsonValue v = o.get(key);
    if (v == null) {
      return List.of();
    }
    String p = path(parent, key);
    if (!(v instanceof JsonArray)) {
      throw new MalformedInputException(p + ": must be a JSON array of strings, got " + kind(v));
    }
    List<JsonValue> elements = ((JsonArray) v).elements();
    List<String> out = new ArrayList<>(elements.size());
    for (int i = 0; i < elements.size(); i++) {
      String s = asString(elements.get(i), index(p, i));
      if (s.isEmpty()) {
        throw new MalformedInputException(index(p, i) + ": must not be empty");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** Fails when a member is present. */
  public static void forbid(JsonObject o, String key, String parent, String why)
      throws MalformedInputException {
    if (o.has(key)) {
      throw new MalformedInputException(path(parent, key) + ": not allowed " + why);
    }
  }

  /** Names the JSON type of a value for error messages. */
  public static String kind(JsonValue v) {
    if (v instanceof JsonObject) {
      return "object";
    } else if (v instanceof JsonArray) {
      return "array";
    } else if (v instanceof JsonString) {
      return "string";
    } else if (v instanceof JsonNumber) {
      return "number";
    } else if (v instanceof JsonNull) {
      return "null";
    } else {
      return "boolean";
    }
  }

  /** Shortens untrusted text for error messages and strips control characters. */
  public static String abbreviate(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    StringBuilder sb = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return sb.toString();
  }
}
