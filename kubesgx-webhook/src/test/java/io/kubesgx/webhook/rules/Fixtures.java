package io.kubesgx.webhook.rules;

import io.kubesgx.webhook.pod.AdmissionRequest;
import io.kubesgx.webhook.pod.AdmissionReviews;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Test helpers: AdmissionReview bodies around pod JSON. */
final class Fixtures {
  private Fixtures() {}

  static String resource(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode tree(String json) {
    return AdmissionReviews.mapper().readTree(json);
  }

  /** Wraps a pod in an AdmissionReview v1 CREATE request. */
  static byte[] review(String uid, JsonNode pod) {
    ObjectNode root = AdmissionReviews.mapper().createObjectNode();
    root.put("apiVersion", "admission.k8s.io/v1");
    root.put("kind", "AdmissionReview");
    ObjectNode req = root.putObject("request");
    req.put("uid", uid);
    ObjectNode kind = req.putObject("kind");
    kind.put("group", "");
    kind.put("version", "v1");
    kind.put("kind", "Pod");
    ObjectNode res = req.putObject("resource");
    res.put("group", "");
    res.put("version", "v1");
    res.put("resource", "pods");
    req.put("operation", "CREATE");
    JsonNode ns = pod.at("/metadata/namespace");
    req.put("namespace", ns.isString() ? ns.stringValue() : "default");
    req.set("object", pod);
    return AdmissionReviews.mapper().writeValueAsBytes(root);
  }

  static AdmissionRequest request(JsonNode pod) {
    try {
      return AdmissionReviews.parse(review("0f6c1d2e-7a1b-4c55-9e0a-3b9c2f1d4e5a", pod));
    } catch (io.kubesgx.webhook.WebhookException e) {
      throw new AssertionError(e);
    }
  }
}
