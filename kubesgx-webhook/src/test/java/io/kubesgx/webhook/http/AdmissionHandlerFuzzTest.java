package io.kubesgx.webhook.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.pod.AdmissionReviews;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import io.kubesgx.webhook.rules.PodRules;
import io.kubesgx.webhook.rules.RulesConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Fuzz targets: the handler answers any body without throwing, and never patches a pod that
 * requests no SGX resource.
 */
class AdmissionHandlerFuzzTest {
  private static final AdmissionHandler INTEL = new AdmissionHandler(new PodRules(
      new RulesConfig(EpcResource.INTEL, NodeEpcCapacity.fixed(64L << 30))), new WebhookMetrics());
  private static final AdmissionHandler AZURE = new AdmissionHandler(new PodRules(
      new RulesConfig(EpcResource.AZURE, NodeEpcCapacity.skipped("fuzz"))), new WebhookMetrics());

  /** Arbitrary bytes as the whole body. */
  @FuzzTest
  void handle_arbitraryBody(byte[] body) {
    check(body, INTEL.handle(AdmissionHandler.MUTATE, body));
    check(body, AZURE.handle(AdmissionHandler.VALIDATE, body));
  }

  /** Arbitrary JSON text as the pod, inside a well-formed AdmissionReview. */
  @FuzzTest
  void handle_arbitraryPod(FuzzedDataProvider data) {
    boolean azure = data.consumeBoolean();
    String pod = data.consumeRemainingAsString();
    byte[] body = ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
        + "\"request\":{\"uid\":\"f\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\","
        + "\"object\":" + pod + "}}").getBytes(StandardCharsets.UTF_8);
    check(body, (azure ? AZURE : INTEL).handle(AdmissionHandler.MUTATE, body));
  }

  private static void check(byte[] body, HttpResult r) {
    if (r.status() != 200 && r.status() != 400) {
      throw new AssertionError("status " + r.status());
    }
    if (r.status() != 200) {
      return;
    }
    JsonNode resp = AdmissionReviews.mapper().readTree(r.body()).get("response");
    if (resp.get("patch") == null) {
      return;
    }
    if (!requestsSgx(body)) {
      throw new AssertionError("patched a pod without SGX requests: "
          + new String(Base64.getDecoder().decode(resp.get("patch").stringValue()),
              StandardCharsets.UTF_8));
    }
  }

  /** Independent check: does any container list an SGX resource name? */
  private static boolean requestsSgx(byte[] body) {
    JsonNode root;
    try {
      root = AdmissionReviews.mapper().readTree(body);
    } catch (JacksonException e) {
      return false;
    }
    JsonNode spec = root.path("request").path("object").path("spec");
    for (String list : new String[] {"containers", "initContainers"}) {
      for (JsonNode c : spec.path(list)) {
        for (String where : new String[] {"requests", "limits"}) {
          JsonNode m = c.path("resources").path(where);
          if (!m.isObject()) {
            continue;
          }
          for (String k : m.propertyNames()) {
            if (k.startsWith("sgx.intel.com/")
                || k.equals("kubernetes.azure.com/sgx_epc_mem_in_MiB")) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }
}
