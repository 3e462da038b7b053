package io.kubesgx.webhook.http;

import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.pod.AdmissionRequest;
import io.kubesgx.webhook.pod.AdmissionReviews;
import io.kubesgx.webhook.rules.AdmissionDecision;
import io.kubesgx.webhook.rules.JsonPatchOp;
import io.kubesgx.webhook.rules.PodRules;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns an AdmissionReview body into an AdmissionReview response: parse, decide, serialise, count
 * and log one structured line per decision. Framework-agnostic and total: any body gives a result.
 */
public final class AdmissionHandler {
  /** The mutating endpoint. */
  public static final String MUTATE = "/mutate";
  /** The validating endpoint. */
  public static final String VALIDATE = "/validate";

  private static final Logger LOG = LoggerFactory.getLogger("io.kubesgx.webhook.decisions");

  private final PodRules rules;
  private final WebhookMetrics metrics;

  /**
   * Creates the handler.
   *
   * @param rules the decision rules
   * @param metrics where to count
   */
  public AdmissionHandler(PodRules rules, WebhookMetrics metrics) {
    this.rules = Objects.requireNonNull(rules);
    this.metrics = Objects.requireNonNull(metrics);
  }

  /** Handles a POST to {@link #MUTATE} or {@link #VALIDATE}. */
  public HttpResult handle(String endpoint, byte[] body) {
    long start = System.nanoTime();
    boolean mutate = endpoint.equals(MUTATE);
    AdmissionRequest req;
    try {
      req = AdmissionReviews.parse(body);
    } catch (WebhookException e) {
      metrics.review(endpoint, "malformed");
      return HttpResult.text(400, e.getMessage());
    }
    AdmissionDecision d = mutate ? rules.mutate(req) : rules.validate(req);
    byte[] out;
    String outcome;
    List<String> warnings = d.warnings();
    if (d instanceof AdmissionDecision.Deny deny) {
      outcome = "denied";
      metrics.denied(endpoint, deny.reason());
      out = AdmissionReviews.response(req.uid(), false, 403, deny.message(), null, warnings);
      log(endpoint, outcome, req, deny.reason() + ": " + deny.message(), warnings);
    } else if (d instanceof AdmissionDecision.Patch p) {
      outcome = "mutated";
      out = AdmissionReviews.response(req.uid(), true, 0, null, patchJson(p.ops()), warnings);
      log(endpoint, outcome, req, String.join("; ", p.changes()), warnings);
    } else {
      outcome = "allowed";
      out = AdmissionReviews.response(req.uid(), true, 0, null, null, warnings);
      log(endpoint, outcome, req, "", warnings);
    }
    metrics.review(endpoint, outcome);
    metrics.latency(endpoint, (System.nanoTime() - start) / 1e9);
    return new HttpResult(200, "application/json", out);
  }

  /** Serialises operations as an RFC 6902 document. */
  public static String patchJson(List<JsonPatchOp> ops) {
    ArrayNode arr = JsonNodeFactory.instance.arrayNode();
    for (JsonPatchOp op : ops) {
      ObjectNode o = arr.addObject();
      o.put("op", op.op());
      o.put("path", op.path());
      if (op.value() != null) {
        o.set("value", op.value());
      }
    }
    return AdmissionReviews.mapper().writeValueAsString(arr);
  }

  private static void log(String endpoint, String outcome, AdmissionRequest req, String what,
      List<String> warnings) {
    if (LOG.isInfoEnabled()) {
      LOG.info("decision endpoint={} outcome={} uid={} namespace={} pod={} changes=\"{}\" "
              + "warnings=\"{}\"", endpoint, outcome, req.uid(), clean(req.namespace()),
          clean(req.name()), clean(what), clean(String.join("; ", warnings)));
    }
  }

  /** Keeps log lines single-line and bounded whatever the request contains. */
  private static String clean(String s) {
    String t = s.length() > 512 ? s.substring(0, 512) + "..." : s;
    StringBuilder b = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      b.append(c < 0x20 || c == '"' || c == 0x7f ? '_' : c);
    }
    return b.toString();
  }
}
