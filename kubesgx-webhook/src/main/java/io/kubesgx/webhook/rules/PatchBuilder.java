package io.kubesgx.webhook.rules;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records JSON Patch operations while applying them to a working copy of the pod, so later rules
 * see earlier changes and every path is valid against the document as patched so far.
 */
final class PatchBuilder {
  /** Thrown when the document does not have the shape an operation needs. */
  static final class ShapeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ShapeException(String message) {
      super(message, null, false, false);
    }
  }

  private final JsonNode doc;
  private final List<JsonPatchOp> ops = new ArrayList<>();

  PatchBuilder(JsonNode doc) {
    this.doc = doc;
  }

  List<JsonPatchOp> ops() {
    return List.copyOf(ops);
  }

  JsonNode doc() {
    return doc;
  }

  /** Adds {@code {}} at {@code path} (a property of an object) unless an object is already there. */
  ObjectNode ensureObject(String parentPath, String key) {
    ObjectNode parent = object(parentPath);
    JsonNode cur = parent.get(key);
    if (cur == null || cur.isNull()) {
      ObjectNode fresh = parent.objectNode();
      String path = parentPath + "/" + JsonPatchOp.escape(key);
      ops.add(new JsonPatchOp(cur == null ? "add" : "replace", path, fresh));
      parent.set(key, fresh);
      return fresh;
    }
    if (!cur.isObject()) {
      throw new ShapeException(parentPath + "/" + key + " is not an object");
    }
    return (ObjectNode) cur;
  }

  /** Adds {@code []} unless an array is already there. */
  ArrayNode ensureArray(String parentPath, String key) {
    ObjectNode parent = object(parentPath);
    JsonNode cur = parent.get(key);
    if (cur == null || cur.isNull()) {
      ArrayNode fresh = parent.arrayNode();
      ops.add(new JsonPatchOp(cur == null ? "add" : "replace",
          parentPath + "/" + JsonPatchOp.escape(key), fresh));
      parent.set(key, fresh);
      return fresh;
    }
    if (!cur.isArray()) {
      throw new ShapeException(parentPath + "/" + key + " is not an array");
    }
    return (ArrayNode) cur;
  }

  /** Sets an object property (add when absent, replace when different, nothing when equal). */
  void put(String parentPath, String key, JsonNode value) {
    ObjectNode parent = object(parentPath);
    JsonNode cur = parent.get(key);
    if (value.equals(cur)) {
      return;
    }
    ops.add(new JsonPatchOp(cur == null ? "add" : "replace",
        parentPath + "/" + JsonPatchOp.escape(key), value));
    parent.set(key, value.deepCopy());
  }

  /** Removes an object property if present. */
  void remove(String parentPath, String key) {
    ObjectNode parent = object(parentPath);
    if (parent.has(key)) {
      ops.add(new JsonPatchOp("remove", parentPath + "/" + JsonPatchOp.escape(key), null));
      parent.remove(key);
    }
  }

  /** Appends to an array. */
  void append(String arrayPath, JsonNode value) {
    JsonNode a = doc.at(arrayPath);
    if (!a.isArray()) {
      throw new ShapeException(arrayPath + " is not an array");
    }
    ops.add(new JsonPatchOp("add", arrayPath + "/-", value));
    ((ArrayNode) a).add(value.deepCopy());
  }

  private ObjectNode object(String path) {
    JsonNode n = path.isEmpty() ? doc : doc.at(path);
    if (!n.isObject()) {
      throw new ShapeException((path.isEmpty() ? "the object" : path) + " is not an object");
    }
    return (ObjectNode) n;
  }
}
