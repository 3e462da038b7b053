package io.kubesgx.webhook.pod;

import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.WebhookException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Reads AdmissionReview v1 requests and writes AdmissionReview v1 responses (JSON). */
public final class AdmissionReviews {
  /** The only accepted API version. */
  public static final String API_VERSION = "admission.k8s.io/v1";
  /** Longest uid accepted (the API server sends a UUID). */
  static final int MAX_UID = 128;

  private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(64).maxNumberLength(64).maxStringLength(1 << 20).build())
          .build())
      .build();

  private AdmissionReviews() {}

  /** Returns the JSON mapper used for trees (bounded nesting and string lengths). */
  public static JsonMapper mapper() {
    return MAPPER;
  }

  /**
   * Parses an AdmissionReview v1 request.
   *
   * @throws WebhookException {@link Reason#MALFORMED_REVIEW} when the body is not JSON, not an
   *     {@code admission.k8s.io/v1} AdmissionReview, or has no {@code request.uid}
   */
  public static AdmissionRequest parse(byte[] body) throws WebhookException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JacksonException | IllegalArgumentException e) {
      throw new WebhookException(Reason.MALFORMED_REVIEW, "body is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw new WebhookException(Reason.MALFORMED_REVIEW, "body is not a JSON object");
    }
    if (!API_VERSION.equals(text(root.get("apiVersion")))
        || !"AdmissionReview".equals(text(root.get("kind")))) {
      throw new WebhookException(Reason.MALFORMED_REVIEW,
          "expected apiVersion " + API_VERSION + " and kind AdmissionReview");
    }
    JsonNode req = root.get("request");
    if (req == null || !req.isObject()) {
      throw new WebhookException(Reason.MALFORMED_REVIEW, "AdmissionReview has no request");
    }
    String uid = text(req.get("uid"));
    if (uid == null || uid.isEmpty() || uid.length() > MAX_UID) {
      throw new WebhookException(Reason.MALFORMED_REVIEW, "request.uid missing or too long");
    }
    JsonNode kind = req.get("kind");
    String k = kind != null && kind.isObject() ? orEmpty(text(kind.get("kind"))) : "";
    JsonNode object = req.get("object");
    if (object == null) {
      object = JsonNodeFactory.instance.nullNode();
    }
    String name = orEmpty(text(req.get("name")));
    if (name.isEmpty() && object.isObject() && object.get("metadata") instanceof ObjectNode md) {
      name = orEmpty(text(md.get("name")));
      if (name.isEmpty()) {
        name = orEmpty(text(md.get("generateName")));
      }
    }
    return new AdmissionRequest(uid, k, orEmpty(text(req.get("operation"))),
        orEmpty(text(req.get("namespace"))), name, object);
  }

  /**
   * Serialises an AdmissionReview v1 response.
   *
   * @param uid the request's uid
   * @param allowed whether the object is admitted
   * @param denyCode HTTP-style status code for a denial (ignored when allowed)
   * @param message denial message (ignored when allowed)
   * @param patchJson JSON Patch document, or null for none
   * @param warnings warnings shown to the client
   */
  public static byte[] response(String uid, boolean allowed, int denyCode, String message,
      String patchJson, List<String> warnings) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("apiVersion", API_VERSION);
    root.put("kind", "AdmissionReview");
    ObjectNode resp = root.putObject("response");
    resp.put("uid", uid);
    resp.put("allowed", allowed);
    if (!allowed) {
      ObjectNode status = resp.putObject("status");
      status.put("code", denyCode);
      status.put("message", message);
    }
    if (allowed && patchJson != null) {
      resp.put("patchType", "JSONPatch");
      resp.put("patch", Base64.getEncoder().encodeToString(
          patchJson.getBytes(StandardCharsets.UTF_8)));
    }
    if (!warnings.isEmpty()) {
      ArrayNode w = resp.putArray("warnings");
      warnings.forEach(w::add);
    }
    return MAPPER.writeValueAsBytes(root);
  }

  /** Returns the string value of a node, or null when it is not a string. */
  public static String text(JsonNode n) {
    return n != null && n.isString() ? n.stringValue() : null;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
