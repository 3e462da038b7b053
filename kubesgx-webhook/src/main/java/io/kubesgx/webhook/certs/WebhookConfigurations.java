package io.kubesgx.webhook.certs;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchCondition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchConditionBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Builds the webhook's Mutating/ValidatingWebhookConfiguration and patches {@code caBundle} into
 * existing ones.
 *
 * <p>Only SGX pods are sent (kubernetes-sgx.md §10 row 3): a {@code matchConditions} CEL
 * expression selects pods whose containers or init containers list an {@code sgx.intel.com/*} or
 * {@code kubernetes.azure.com/sgx_epc_mem_in_MiB} resource or that carry a quote-provider
 * annotation, and a namespace selector excludes {@code kube-system} and the webhook's own
 * namespace. For that narrow set {@code failurePolicy: Fail}, so an SGX pod is never admitted
 * unmutated (row 5). {@code matchConditions} needs Kubernetes 1.28 or later (GA in 1.30).
 *
 * @param name object name of both configurations
 * @param namespace the webhook Service's namespace (also excluded from the selector)
 * @param service the webhook Service's name
 * @param port the Service port
 */
public record WebhookConfigurations(String name, String namespace, String service, int port) {
  /** The CEL expression of the single match condition. */
  public static final String SGX_POD_CEL = cel();

  /** Validates the fields. */
  public WebhookConfigurations {
    Objects.requireNonNull(name);
    Objects.requireNonNull(namespace);
    Objects.requireNonNull(service);
  }

  private static String cel() {
    String sgxKey = "k.startsWith('sgx.intel.com/') || k == 'kubernetes.azure.com/sgx_epc_mem_in_MiB'";
    String ctr = "(has(c.resources) && ((has(c.resources.limits) && c.resources.limits.exists(k, "
        + sgxKey + ")) || (has(c.resources.requests) && c.resources.requests.exists(k, " + sgxKey
        + "))))";
    return "object.spec.containers.exists(c, " + ctr + ")"
        + " || (has(object.spec.initContainers) && object.spec.initContainers.exists(c, " + ctr
        + "))"
        + " || (has(object.metadata.annotations) && ("
        + "'sgx.intel.com/quote-provider' in object.metadata.annotations"
        + " || 'kubesgx.io/quote-provider' in object.metadata.annotations))";
  }

  private WebhookClientConfig clientConfig(String path, String caPem) {
    WebhookClientConfigBuilder b = new WebhookClientConfigBuilder().withNewService()
        .withNamespace(namespace).withName(service).withPath(path).withPort(port).endService();
    if (caPem != null) {
      b.withCaBundle(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII)));
    }
    return b.build();
  }

  private LabelSelector namespaces() {
    return new LabelSelectorBuilder().addNewMatchExpression()
        .withKey("kubernetes.io/metadata.name").withOperator("NotIn")
        .withValues("kube-system", namespace).endMatchExpression().build();
  }

  private static List<MatchCondition> conditions() {
    return List.of(new MatchConditionBuilder().withName("sgx-pods-only")
        .withExpression(SGX_POD_CEL).build());
  }

  /** The mutating configuration; {@code caPem} may be null (patched in later). */
  public MutatingWebhookConfiguration mutating(String caPem) {
    return new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(name)
        .endMetadata().addNewWebhook()
        .withName("mutate.sgx.kubesgx.io")
        .withClientConfig(clientConfig("/mutate", caPem))
        .withRules(new RuleWithOperationsBuilder().withApiGroups("").withApiVersions("v1")
            .withResources("pods").withOperations("CREATE").withScope("Namespaced").build())
        .withNamespaceSelector(namespaces())
        .withMatchConditions(conditions())
        .withFailurePolicy("Fail")
        .withSideEffects("None")
        .withAdmissionReviewVersions("v1")
        .withReinvocationPolicy("IfNeeded")
        .withTimeoutSeconds(10)
        .endWebhook().build();
  }

  /** The validating configuration; {@code caPem} may be null (patched in later). */
  public ValidatingWebhookConfiguration validating(String caPem) {
    return new ValidatingWebhookConfigurationBuilder().withNewMetadata().withName(name)
        .endMetadata().addNewWebhook()
        .withName("validate.sgx.kubesgx.io")
        .withClientConfig(clientConfig("/validate", caPem))
        .withRules(new RuleWithOperationsBuilder().withApiGroups("").withApiVersions("v1")
            .withResources("pods").withOperations("CREATE").withScope("Namespaced").build())
        .withNamespaceSelector(namespaces())
        .withMatchConditions(conditions())
        .withFailurePolicy("Fail")
        .withSideEffects("None")
        .withAdmissionReviewVersions("v1")
        .withTimeoutSeconds(10)
        .endWebhook().build();
  }

  /**
   * Sets {@code caBundle} in every webhook of both configurations (which must exist: they are
   * installed by the chart), leaving everything else as it is.
   *
   * @return the number of webhooks whose bundle changed
   */
  public int patchCaBundle(KubernetesClient client, String caPem) {
    String b64 = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
    int[] changed = {0};
    var mutating = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(name);
    if (mutating.get() != null) {
      mutating.edit(m -> {
        m.getWebhooks().forEach(w -> {
          if (!b64.equals(w.getClientConfig().getCaBundle())) {
            w.getClientConfig().setCaBundle(b64);
            changed[0]++;
          }
        });
        return m;
      });
    }
    var validating = client.admissionRegistration().v1().validatingWebhookConfigurations()
        .withName(name);
    if (validating.get() != null) {
      validating.edit(v -> {
        v.getWebhooks().forEach(w -> {
          if (!b64.equals(w.getClientConfig().getCaBundle())) {
            w.getClientConfig().setCaBundle(b64);
            changed[0]++;
          }
        });
        return v;
      });
    }
    return changed[0];
  }
}
