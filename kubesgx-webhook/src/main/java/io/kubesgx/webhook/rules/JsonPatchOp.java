package io.kubesgx.webhook.rules;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * One RFC 6902 operation ({@code add}, {@code replace} or {@code remove}).
 *
 * @param op operation name
 * @param path JSON Pointer (RFC 6901)
 * @param value value for add and replace; null for remove
 */
public record JsonPatchOp(String op, String path, JsonNode value) {
  /** Validates the operation. */
  public JsonPatchOp {
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(path, "path");
    if (!op.equals("add") && !op.equals("replace") && !op.equals("remove")) {
      throw new IllegalArgumentException("unsupported op " + op);
    }
    if (op.equals("remove") != (value == null)) {
      throw new IllegalArgumentException("remove takes no value; add/replace need one");
    }
    value = value == null ? null : value.deepCopy();
  }

  /** Escapes one reference token ({@code ~} → {@code ~0}, {@code /} → {@code ~1}). */
  public static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  @Override
  public JsonNode value() {
    return value == null ? null : value.deepCopy();
  }
}
