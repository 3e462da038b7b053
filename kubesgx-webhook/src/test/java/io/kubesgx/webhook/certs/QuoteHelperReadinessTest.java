package io.kubesgx.webhook.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.kubesgx.webhook.nodelabel.QuoteHelperReadiness;
import io.kubesgx.webhook.nodelabel.QuoteHelperReadiness.Outcome;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The readiness label follows the probe, on the CRUD mock. */
@EnableKubernetesMockClient(crud = true)
class QuoteHelperReadinessTest {
  KubernetesClient client;

  private String label() {
    var l = client.nodes().withName("n1").get().getMetadata().getLabels();
    return l == null ? null : l.get("kubesgx.io/quote-helper-ready");
  }

  @Test
  void reconcile_socketAnswersThenStops_labelSetThenRemoved() {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1")
        .addToLabels("kubesgx.io/sgx", "true").endMetadata().build()).create();
    AtomicBoolean answers = new AtomicBoolean(false);
    QuoteHelperReadiness r = new QuoteHelperReadiness(client, "n1", answers::get);
    assertEquals(Outcome.UNCHANGED, r.reconcile());
    assertNull(label());
    answers.set(true);
    assertEquals(Outcome.LABELLED, r.reconcile());
    assertEquals("true", label());
    assertEquals(Outcome.UNCHANGED, r.reconcile());
    answers.set(false);
    assertEquals(Outcome.UNLABELLED, r.reconcile());
    assertNull(label());
    assertEquals("true", client.nodes().withName("n1").get().getMetadata().getLabels()
        .get("kubesgx.io/sgx"), "other labels untouched");
  }

  @Test
  void reconcile_missingNode_saysSo() {
    assertEquals(Outcome.NODE_NOT_FOUND, new QuoteHelperReadiness(client, "nope", () -> true)
        .reconcile());
  }
}
