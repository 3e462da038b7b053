package io.kubesgx.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart's collateral-expiry alert (on the attestation service's nextUpdate gauge) and the key
 * broker's trust in a private-CA attestation issuer ({@code --issuer-ca-file}).
 */
class OperabilityChartTest {
  private static final String KEY_BROKER = "kubesgx-key-broker";

  @Test
  void template_prometheusRule_collateralExpiringSoonOnBundleSetsWithConfiguredDays() {
    assertEquals("(min by (tee, fmspc, ca, update) (kubesgx_attestation_collateral_next_update_seconds"
        + "{source=\"bundle\"}) - time()) < 7 * 86400", alert(RenderedChart.render("default-values.yaml",
            "prometheusRule.enabled", "true"), "KubesgxCollateralExpiringSoon").get("expr"));
    assertTrue(((String) alert(RenderedChart.render("default-values.yaml", "prometheusRule.enabled", "true",
        "prometheusRule.collateralExpiryWarningDays", "3"), "KubesgxCollateralExpiringSoon").get("expr"))
        .endsWith(" < 3 * 86400"));
    Exception e = assertThrows(Exception.class, () -> RenderedChart.render("default-values.yaml",
        "prometheusRule.enabled", "true", "prometheusRule.collateralExpiryWarningDays", "0"));
    assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), e.getMessage());
  }

  @Test
  void template_certManagerOwnCa_keyBrokerTrustsTheCaInItsTlsSecret() {
    RenderedChart r = RenderedChart.render("cert-manager-values.yaml");
    Deployment d = r.find(Deployment.class, KEY_BROKER).orElseThrow();
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals(List.of("/etc/kubesgx/tls/ca.crt"), caFiles(c));
    assertTrue(c.getArgs().get(c.getArgs().indexOf("--trust-issuer") + 1).startsWith("https://"), c.getArgs().toString());
    assertEquals("/etc/kubesgx/tls", mount(c, "tls").getMountPath());
    Volume tls = volume(d.getSpec().getTemplate().getSpec(), "tls");
    assertEquals("kubesgx-key-broker-tls", tls.getSecret().getSecretName());
    assertTrue(tls.getSecret().getItems() == null || tls.getSecret().getItems().isEmpty(),
        "the whole Secret is mounted, so cert-manager's ca.crt is there");
    // The attestation service's certificate comes from the same CA Issuer.
    assertEquals(issuerOf(r, "kubesgx-attestation"), issuerOf(r, KEY_BROKER));
  }

  @Test
  void template_certManagerExternalIssuerOrPublicIssuer_noIssuerCaFile() {
    assertEquals(List.of(), caFiles(keyBroker(RenderedChart.render("cert-manager-values.yaml",
        "certManager.issuerRef.name", "letsencrypt", "certManager.issuerRef.kind", "ClusterIssuer"))));
    assertEquals(List.of(), caFiles(keyBroker(RenderedChart.render("ha-postgres-values.yaml"))));
  }

  @Test
  void template_issuerCaSecretAndClusterCa_mountedReadOnlyAndPassed() {
    RenderedChart r = RenderedChart.render("ha-postgres-values.yaml", "keyBroker.issuerCa.existingSecret", "corp-ca",
        "keyBroker.issuerCa.key", "bundle.pem", "keyBroker.issuerCa.clusterCa", "true");
    Deployment d = r.find(Deployment.class, KEY_BROKER).orElseThrow();
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals(List.of("/etc/kubesgx/issuer-ca/ca.crt", "/etc/kubesgx/cluster-ca/ca.crt"), caFiles(c));
    assertTrue(mount(c, "issuer-ca").getReadOnly());
    assertTrue(mount(c, "cluster-ca").getReadOnly());
    PodSpec spec = d.getSpec().getTemplate().getSpec();
    Volume secret = volume(spec, "issuer-ca");
    assertEquals("corp-ca", secret.getSecret().getSecretName());
    assertEquals("bundle.pem", secret.getSecret().getItems().get(0).getKey());
    assertEquals("ca.crt", secret.getSecret().getItems().get(0).getPath());
    Volume cluster = volume(spec, "cluster-ca");
    assertEquals("kube-root-ca.crt", cluster.getConfigMap().getName());
    assertEquals("ca.crt", cluster.getConfigMap().getItems().get(0).getKey());
    assertTrue(r.strictnessProblems().isEmpty(), r.strictnessProblems().toString());
    assertFalse(spec.getAutomountServiceAccountToken(), "the cluster CA comes from the ConfigMap, not a token mount");
  }

  private static Container keyBroker(RenderedChart r) {
    return r.find(Deployment.class, KEY_BROKER).orElseThrow().getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static List<String> caFiles(Container c) {
    List<String> out = new ArrayList<>();
    List<String> args = c.getArgs();
    for (int i = 0; i < args.size() - 1; i++) {
      if (args.get(i).equals("--issuer-ca-file")) {
        out.add(args.get(i + 1));
      }
    }
    return out;
  }

  private static VolumeMount mount(Container c, String name) {
    return c.getVolumeMounts().stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Volume volume(PodSpec spec, String name) {
    return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Object issuerOf(RenderedChart r, String certificate) {
    GenericKubernetesResource cert = r.all(GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals("Certificate") && o.getMetadata().getName().equals(certificate))
        .findFirst().orElseThrow();
    return ((Map<String, Object>) cert.getAdditionalProperties().get("spec")).get("issuerRef");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> alert(RenderedChart r, String name) {
    GenericKubernetesResource rule = r.all(GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    for (Object g : (List<Object>) spec.get("groups")) {
      for (Object rr : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        Map<String, Object> m = (Map<String, Object>) rr;
        if (name.equals(m.get("alert"))) {
          return m;
        }
      }
    }
    throw new AssertionError("no alert " + name + " in " + r.yaml());
  }
}
