package io.kubesgx.webhook.certs;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubesgx.webhook.WebhookException;
import io.kubesgx.webhook.WebhookException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the webhook's CA and serving certificate in one {@code kubernetes.io/tls} Secret shared
 * by every replica.
 *
 * <p>Replicas never overwrite each other: the first create wins (the others get 409 Conflict and
 * read the winner's Secret), and a renewal is an update conditioned on the resourceVersion read
 * (a replica that loses the race reads the winner's certificates). The {@code ca.crt} entry keeps
 * the previous CA next to the new one after a renewal, so clients trust both while replicas switch.
 */
public final class CertificateStore {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);
  /** Secret key of the CA bundle. */
  public static final String CA_KEY = "ca.crt";

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String service;
  private final Clock clock;

  /** Creates the store for Secret {@code namespace/secretName}, certifying Service {@code service}. */
  public CertificateStore(KubernetesClient client, String namespace, String secretName,
      String service, Clock clock) {
    this.client = Objects.requireNonNull(client);
    this.namespace = Objects.requireNonNull(namespace);
    this.secretName = Objects.requireNonNull(secretName);
    this.service = Objects.requireNonNull(service);
    this.clock = Objects.requireNonNull(clock);
  }

  /**
   * Returns the shared certificates, creating or renewing them when needed.
   *
   * @throws WebhookException {@link Reason#KUBE_API} when the Secret cannot be read or written
   */
  public ServingCertificates ensure() throws WebhookException {
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        Secret s = secrets().withName(secretName).get();
        if (s == null) {
          ServingCertificates fresh = ServingCertificates.create(service, namespace, clock);
          try {
            secrets().resource(toSecret(fresh, fresh.caCertPem(), null)).create();
            LOG.info("created serving certificate Secret {}/{} (expires {})", namespace,
                secretName, fresh.notAfter());
            return fresh;
          } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
              continue; // another replica created it first: use theirs
            }
            throw e;
          }
        }
        ServingCertificates current = fromSecret(s);
        if (current != null && !current.needsRenewal(clock.instant())) {
          return current;
        }
        ServingCertificates fresh = ServingCertificates.create(service, namespace, clock);
        String bundle = fresh.caCertPem()
            + (current != null && current.notAfter().isAfter(clock.instant())
                ? current.caCertPem() : "");
        try {
          secrets().resource(toSecret(fresh, bundle, s.getMetadata().getResourceVersion()))
              .update();
          LOG.info("renewed serving certificate in Secret {}/{} (expires {})", namespace,
              secretName, fresh.notAfter());
          return new ServingCertificates(bundle, fresh.certPem(), fresh.keyPem(),
              fresh.notAfter());
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            continue; // another replica renewed first
          }
          throw e;
        }
      } catch (KubernetesClientException e) {
        throw new WebhookException(Reason.KUBE_API, "cannot read or write Secret " + namespace
            + "/" + secretName + " (HTTP " + e.getCode() + "); check the webhook's RBAC for "
            + "secrets in its namespace");
      }
    }
    throw new WebhookException(Reason.KUBE_API, "Secret " + namespace + "/" + secretName
        + " kept changing under us; giving up for now");
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Secret,
      io.fabric8.kubernetes.api.model.SecretList,
      io.fabric8.kubernetes.client.dsl.Resource<Secret>> secrets() {
    return client.secrets().inNamespace(namespace);
  }

  private Secret toSecret(ServingCertificates c, String caBundle, String resourceVersion) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
        .withResourceVersion(resourceVersion)
        .addToLabels("app.kubernetes.io/managed-by", "kubesgx-webhook").endMetadata()
        .withType("kubernetes.io/tls")
        .withData(Map.of(
            "tls.crt", b64.encodeToString(c.certPem().getBytes(StandardCharsets.US_ASCII)),
            "tls.key", b64.encodeToString(c.keyPem().getBytes(StandardCharsets.US_ASCII)),
            CA_KEY, b64.encodeToString(caBundle.getBytes(StandardCharsets.US_ASCII))))
        .build();
  }

  /** Reads certificates from a Secret, or null when it does not hold usable ones. */
  static ServingCertificates fromSecret(Secret s) {
    Map<String, String> d = s.getData();
    if (d == null || d.get("tls.crt") == null || d.get("tls.key") == null
        || d.get(CA_KEY) == null) {
      return null;
    }
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      String cert = new String(b64.decode(d.get("tls.crt")), StandardCharsets.US_ASCII);
      Instant notAfter = ServingCertificates.notAfter(cert);
      return new ServingCertificates(
          new String(b64.decode(d.get(CA_KEY)), StandardCharsets.US_ASCII), cert,
          new String(b64.decode(d.get("tls.key")), StandardCharsets.US_ASCII), notAfter);
    } catch (java.security.cert.CertificateException | IllegalArgumentException e) {
      LOG.warn("Secret {} does not hold a usable certificate; replacing it",
          s.getMetadata().getName());
      return null;
    }
  }
}
