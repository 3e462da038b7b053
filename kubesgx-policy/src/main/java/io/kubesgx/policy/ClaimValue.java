package io.kubesgx.policy;

import io.kubesgx.common.json.JsonValue;
import java.util.Objects;

/** The typed value of a claim: a string, a 64-bit integer, a boolean or a JSON document. */
public sealed interface ClaimValue
    permits ClaimValue.Str, ClaimValue.Int, ClaimValue.Bool, ClaimValue.Json {

  /** A string value (MAA valueType {@code String}). */
  record Str(String v) implements ClaimValue {
    /** Rejects null. */
    public Str {
      Objects.requireNonNull(v, "v");
    }

    @Override
    public String valueTypeName() {
      return "String";
    }

    @Override
    public JsonValue toJson() {
      return new JsonValue.JsonString(v);
    }
  }

  /** A 64-bit integer value (MAA valueType {@code Integer}). */
  record Int(long v) implements ClaimValue {
    @Override
    public String valueTypeName() {
      return "Integer";
    }

    @Override
    public JsonValue toJson() {
      return new JsonValue.JsonNumber(Long.toString(v));
    }
  }

  /** A boolean value (MAA valueType {@code Boolean}). */
  record Bool(boolean v) implements ClaimValue {
    @Override
    public String valueTypeName() {
      return "Boolean";
    }

    @Override
    public JsonValue toJson() {
      return new JsonValue.JsonBool(v);
    }
  }

  /** A JSON object or array value, such as {@code x-ms-runtime}; queried with JmesPath in 1.2. */
  record Json(JsonValue v) implements ClaimValue {
    /** Rejects null. */
    public Json {
      Objects.requireNonNull(v, "v");
    }

    @Override
    public String valueTypeName() {
      return "Json";
    }

    @Override
    public JsonValue toJson() {
      return v;
    }
  }

  /** Returns a string value. */
  static ClaimValue of(String v) {
    return new Str(v);
  }

  /** Returns an integer value. */
  static ClaimValue of(long v) {
    return new Int(v);
  }

  /** Returns a boolean value. */
  static ClaimValue of(boolean v) {
    return new Bool(v);
  }

  /** Returns a JSON value. */
  static ClaimValue json(JsonValue v) {
    return new Json(v);
  }

  /** Returns the value type as a policy names it: String, Integer, Boolean or Json. */
  String valueTypeName();

  /** Returns the value as JSON, for example to put it into a token. */
  JsonValue toJson();
}
