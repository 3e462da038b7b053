package io.kubesgx.webhook.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Certificates in a Secret, caBundle patching and the node EPC size check, on the CRUD mock. */
@EnableKubernetesMockClient(crud = true)
class CertificateStoreTest {
  KubernetesClient client;
  KubernetesMockServer server;

  private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"),
      ZoneOffset.UTC);

  @Test
  void ensure_twoInstancesStartingTogether_endWithOneCa() throws Exception {
    CertificateStore a = new CertificateStore(client, "kubesgx", "kubesgx-webhook-tls",
        "kubesgx-webhook", NOW);
    CertificateStore b = new CertificateStore(client, "kubesgx", "kubesgx-webhook-tls",
        "kubesgx-webhook", NOW);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      Callable<ServingCertificates> run1 = () -> {
        go.await();
        return a.ensure();
      };
      Callable<ServingCertificates> run2 = () -> {
        go.await();
        return b.ensure();
      };
      Future<ServingCertificates> f1 = pool.submit(run1);
      Future<ServingCertificates> f2 = pool.submit(run2);
      go.countDown();
      ServingCertificates c1 = f1.get();
      ServingCertificates c2 = f2.get();
      assertEquals(c1.caCertPem(), c2.caCertPem(), "both replicas serve under one CA");
      assertEquals(c1.certPem(), c2.certPem());
      Secret s = client.secrets().inNamespace("kubesgx").withName("kubesgx-webhook-tls").get();
      assertEquals("kubernetes.io/tls", s.getType());
      assertEquals(c1.caCertPem(), new String(Base64.getDecoder().decode(
          s.getData().get("ca.crt")), StandardCharsets.US_ASCII));
      assertEquals(1, client.secrets().inNamespace("kubesgx").list().getItems().size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ensure_nearExpiry_renewsAndKeepsOldCaInBundle() throws Exception {
    ServingCertificates first = new CertificateStore(client, "ns", "tls", "svc", NOW).ensure();
    Clock later = Clock.offset(NOW, ServingCertificates.VALIDITY.minus(Duration.ofDays(10)));
    ServingCertificates second = new CertificateStore(client, "ns", "tls", "svc", later).ensure();
    assertNotEquals(first.certPem(), second.certPem());
    assertTrue(second.caCertPem().contains(first.caCertPem()), "old CA still trusted");
    assertTrue(second.notAfter().isAfter(first.notAfter()));
    // Before the renewal window nothing changes.
    ServingCertificates third = new CertificateStore(client, "ns", "tls", "svc", later).ensure();
    assertEquals(second.certPem(), third.certPem());
  }

  @Test
  void patchCaBundle_existingConfigurations_setsBundleOnEveryWebhook() {
    WebhookConfigurations cfg = new WebhookConfigurations("kubesgx-webhook", "kubesgx",
        "kubesgx-webhook", 443);
    client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .resource(cfg.mutating(null)).create();
    client.admissionRegistration().v1().validatingWebhookConfigurations()
        .resource(cfg.validating(null)).create();
    ServingCertificates c = ServingCertificates.create("kubesgx-webhook", "kubesgx", NOW);
    assertEquals(2, cfg.patchCaBundle(client, c.caCertPem()));
    assertEquals(0, cfg.patchCaBundle(client, c.caCertPem()), "idempotent");
    String b64 = Base64.getEncoder().encodeToString(
        c.caCertPem().getBytes(StandardCharsets.US_ASCII));
    assertEquals(b64, client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("kubesgx-webhook").get().getWebhooks().get(0).getClientConfig().getCaBundle());
    assertEquals(b64, client.admissionRegistration().v1().validatingWebhookConfigurations()
        .withName("kubesgx-webhook").get().getWebhooks().get(0).getClientConfig().getCaBundle());
  }

  @Test
  void mutating_configuration_onlySgxPodsFailClosed() {
    MutatingWebhookConfiguration m = new WebhookConfigurations("kubesgx-webhook", "kubesgx",
        "kubesgx-webhook", 443).mutating(null);
    MutatingWebhook w = m.getWebhooks().get(0);
    assertEquals("Fail", w.getFailurePolicy());
    assertEquals("None", w.getSideEffects());
    assertEquals(List.of("v1"), w.getAdmissionReviewVersions());
    assertEquals(List.of("CREATE"), w.getRules().get(0).getOperations());
    assertEquals(List.of("pods"), w.getRules().get(0).getResources());
    assertEquals("/mutate", w.getClientConfig().getService().getPath());
    var expr = w.getNamespaceSelector().getMatchExpressions().get(0);
    assertEquals("NotIn", expr.getOperator());
    assertEquals(List.of("kube-system", "kubesgx"), expr.getValues());
    String cel = w.getMatchConditions().get(0).getExpression();
    assertTrue(cel.contains("sgx.intel.com/"));
    assertTrue(cel.contains("kubernetes.azure.com/sgx_epc_mem_in_MiB"));
    assertTrue(cel.contains("initContainers"));
    assertTrue(cel.contains("'sgx.intel.com/quote-provider' in object.metadata.annotations"));
    assertTrue(cel.contains("'kubesgx.io/quote-provider' in object.metadata.annotations"));
    assertEquals("Fail", new WebhookConfigurations("kubesgx-webhook", "kubesgx",
        "kubesgx-webhook", 443).validating(null).getWebhooks().get(0).getFailurePolicy());
  }

  @Test
  void nodeEpcCache_readsLargestNodeUnderEitherName() {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("small").endMetadata()
        .withNewStatus().addToCapacity("sgx.intel.com/epc", new Quantity("67108864"))
        .endStatus().build()).create();
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("azure").endMetadata()
        .withNewStatus().addToCapacity("kubernetes.azure.com/sgx_epc_mem_in_MiB",
            new Quantity("256")).endStatus().build()).create();
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("plain").endMetadata()
        .withNewStatus().addToCapacity("cpu", new Quantity("4")).endStatus().build()).create();
    NodeEpcCache cache = new NodeEpcCache(client, NOW, Duration.ofMinutes(2));
    assertTrue(cache.largest().skipped().isPresent(), "nothing read yet");
    cache.refresh();
    NodeEpcCapacity.Largest l = cache.largest();
    assertEquals(256L << 20, l.largestBytes().getAsLong());
  }
}
