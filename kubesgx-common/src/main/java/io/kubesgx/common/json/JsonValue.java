package io.kubesgx.common.json;

import io.kubesgx.common.MalformedInputException;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An immutable JSON value. */
public sealed interface JsonValue
    permits JsonValue.JsonObject,
        JsonValue.JsonArray,
        JsonValue.JsonString,
        JsonValue.JsonNumber,
        JsonValue.JsonBool,
        JsonValue.JsonNull {

  /** A JSON object; members keep their input order. */
  record JsonObject(Map<String, JsonValue> members) implements JsonValue {
    /** Creates an object over an unmodifiable copy of {@code members}. */
    public JsonObject {
      members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }

    /** Returns the member or fails with a message naming it. */
    public JsonValue require(String key) throws MalformedInputException {
      JsonValue v = members.get(key);
      if (v == null) {
        throw new MalformedInputException("missing field '" + key + "'");
      }
      return v;
    }

    /** Returns whether the member is present. */
    public boolean has(String key) {
      return members.containsKey(key);
    }

    /** Returns the member, or null when absent. */
    public JsonValue get(String key) {
      return members.get(key);
    }

    /** Returns a required string member. */
    public String string(String key) throws MalformedInputException {
      JsonValue v = require(key);
      if (v instanceof JsonString) {
        return ((JsonString) v).value();
      }
      throw new MalformedInputException("field '" + key + "' must be a string");
    }

    /** Returns a string member or null when absent or null. */
    public String optString(String key) throws MalformedInputException {
      JsonValue v = members.get(key);
      if (v == null || v instanceof JsonNull) {
        return null;
      }
      if (v instanceof JsonString) {
        return ((JsonString) v).value();
      }
      throw new MalformedInputException("field '" + key + "' must be a string");
    }

    /** Returns a required integer member that fits in a long. */
    public long integer(String key) throws MalformedInputException {
      JsonValue v = require(key);
      if (v instanceof JsonNumber) {
        return ((JsonNumber) v).longValueExact(key);
      }
      throw new MalformedInputException("field '" + key + "' must be an integer");
    }

    /** Returns a required object member. */
    public JsonObject object(String key) throws MalformedInputException {
      JsonValue v = require(key);
      if (v instanceof JsonObject) {
        return (JsonObject) v;
      }
      throw new MalformedInputException("field '" + key + "' must be an object");
    }

    /** Returns a required array member. */
    public List<JsonValue> array(String key) throws MalformedInputException {
      JsonValue v = require(key);
      if (v instanceof JsonArray) {
        return ((JsonArray) v).elements();
      }
      throw new MalformedInputException("field '" + key + "' must be an array");
    }
  }

  /** A JSON array. */
  record JsonArray(List<JsonValue> elements) implements JsonValue {
    /** Creates an array over an unmodifiable copy of {@code elements}. */
    public JsonArray {
      elements = List.copyOf(elements);
    }
  }

  /** A JSON string. */
  record JsonString(String value) implements JsonValue {}

  /** A JSON number, kept exactly as written. */
  record JsonNumber(String text) implements JsonValue {
    /** Returns the exact decimal value. */
    public BigDecimal decimal() {
      return new BigDecimal(text);
    }

    /** Returns the value as a long, failing for fractions or out-of-range values. */
    public long longValueExact(String what) throws MalformedInputException {
      try {
        return decimal().longValueExact();
      } catch (ArithmeticException e) {
        throw new MalformedInputException("field '" + what + "' must be an integer, got " + text);
      }
    }
  }

  /** A JSON boolean. */
  record JsonBool(boolean value) implements JsonValue {}

  /** The JSON null. */
  record JsonNull() implements JsonValue {}

  /** Casts to an object or fails. */
  static JsonObject asObject(JsonValue v, String what) throws MalformedInputException {
    if (v instanceof JsonObject) {
      return (JsonObject) v;
    }
    throw new MalformedInputException(what + " must be a JSON object");
  }

  /** Casts to a string or fails. */
  static String asString(JsonValue v, String what) throws MalformedInputException {
    if (v instanceof JsonString) {
      return ((JsonString) v).value();
    }
    throw new MalformedInputException(what + " must be a JSON string");
  }

  /** Casts to an integer or fails. */
  static long asLong(JsonValue v, String what) throws MalformedInputException {
    if (v instanceof JsonNumber) {
      return ((JsonNumber) v).longValueExact(what);
    }
    throw new MalformedInputException(what + " must be a JSON integer");
  }
}
