package io.kubesgx.webhook.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.sgx.EpcResource;
import io.kubesgx.webhook.certs.ServingCertificates;
import io.kubesgx.webhook.http.AdmissionHandler;
import io.kubesgx.webhook.http.ServerLimits;
import io.kubesgx.webhook.http.WebhookMetrics;
import io.kubesgx.webhook.http.WebhookServer;
import io.kubesgx.webhook.http.WebhookServer.TlsMaterial;
import io.kubesgx.webhook.rules.NodeEpcCapacity;
import io.kubesgx.webhook.rules.PodRules;
import io.kubesgx.webhook.rules.RulesConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review item 9: rotated --tls-cert/--tls-key files are served on the next handshake. */
class TlsFileReloaderTest {
  @TempDir Path tmp;

  private static X509Certificate leaf(ServingCertificates c) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(c.certPem().getBytes(StandardCharsets.US_ASCII)));
  }

  private static TlsMaterial material(ServingCertificates c) {
    return new TlsMaterial(c.certPem().getBytes(StandardCharsets.US_ASCII),
        c.keyPem().getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void poll_rotatedFiles_nextHandshakePresentsNewCertificateAndBrokenPairKeepsIt()
      throws Exception {
    ServingCertificates a = ServingCertificates.create("svc", "ns", Clock.systemUTC());
    ServingCertificates b = ServingCertificates.create("svc", "ns", Clock.systemUTC());
    Path cert = Files.writeString(tmp.resolve("tls.crt"), a.certPem());
    Path key = Files.writeString(tmp.resolve("tls.key"), a.keyPem());
    WebhookMetrics metrics = new WebhookMetrics();
    AdmissionHandler h = new AdmissionHandler(new PodRules(new RulesConfig(EpcResource.INTEL,
        NodeEpcCapacity.skipped("test"))), metrics);
    try (WebhookServer server = WebhookServer.start(0, material(a), h, metrics,
        ServerLimits.defaults())) {
      TlsFileReloader r = new TlsFileReloader(cert, key, material(a), server::updateTls);
      assertFalse(r.poll(), "unchanged files are not re-applied");
      assertEquals(leaf(a), TlsTestClients.servedLeaf(server.port()));

      Files.writeString(cert, b.certPem());
      Files.writeString(key, b.keyPem());
      assertTrue(r.poll());
      assertEquals(leaf(b), TlsTestClients.servedLeaf(server.port()));

      Files.writeString(cert, "not a certificate");
      assertFalse(r.poll(), "a broken pair is not applied");
      assertEquals(leaf(b), TlsTestClients.servedLeaf(server.port()), "the old pair is kept");

      Files.delete(key);
      assertFalse(r.poll(), "a missing file is not applied");
      assertEquals(leaf(b), TlsTestClients.servedLeaf(server.port()));
    }
  }
}
