package io.kubesgx.common.json;

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

/** Builds JSON objects for output, keeping insertion order. */
public final class JsonBuilder {
  private final Map<String, JsonValue> members = new LinkedHashMap<>();

  /** Starts an empty object. */
  public static JsonBuilder object() {
    return new JsonBuilder();
  }

  /** Adds a string member (null becomes JSON null). */
  public JsonBuilder put(String key, String value) {
    members.put(key, value == null ? new JsonNull() : new JsonString(value));
    return this;
  }

  /** Adds an integer member. */
  public JsonBuilder put(String key, long value) {
    members.put(key, new JsonNumber(Long.toString(value)));
    return this;
  }

  /** Adds a boolean member. */
  public JsonBuilder put(String key, boolean value) {
    members.put(key, new JsonBool(value));
    return this;
  }

  /** Adds any value. */
  public JsonBuilder put(String key, JsonValue value) {
    members.put(key, value == null ? new JsonNull() : value);
    return this;
  }

  /** Adds an array of strings. */
  public JsonBuilder putStrings(String key, List<String> values) {
    List<JsonValue> l = new ArrayList<>();
    for (String v : values) {
      l.add(new JsonString(v));
    }
    members.put(key, new JsonArray(l));
    return this;
  }

  /** Adds an array of integers. */
  public JsonBuilder putInts(String key, List<Integer> values) {
    List<JsonValue> l = new ArrayList<>();
    for (Integer v : values) {
      l.add(new JsonNumber(Integer.toString(v)));
    }
    members.put(key, new JsonArray(l));
    return this;
  }

  /** Returns the built object. */
  public JsonObject build() {
    return new JsonObject(members);
  }

  /** Returns the compact JSON text. */
  @Override
  public String toString() {
    return Json.write(build());
  }
}
