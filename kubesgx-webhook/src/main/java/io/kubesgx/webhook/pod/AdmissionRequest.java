package io.kubesgx.webhook.pod;

import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an AdmissionReview v1 request the webhook uses.
 *
 * @param uid request uid, echoed in the response
 * @param kind {@code request.kind.kind} (e.g. {@code Pod}), empty if absent
 * @param operation {@code CREATE}, {@code UPDATE}, ... ; empty if absent
 * @param namespace request namespace, empty if absent
 * @param name object name (or {@code generateName} prefix), empty if unknown
 * @param object the object as sent; callers must not modify it (use {@link #objectCopy()})
 */
public record AdmissionRequest(
    String uid, String kind, String operation, String namespace, String name, JsonNode object) {
  /** Validates the fields. */
  public AdmissionRequest {
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(object, "object");
  }

  /** Returns a deep copy of the object. */
  public JsonNode objectCopy() {
    return object.deepCopy();
  }

  /** Returns whether this asks to create a Pod. */
  public boolean isPodCreate() {
    return "Pod".equals(kind) && "CREATE".equals(operation) && object.isObject();
  }
}
