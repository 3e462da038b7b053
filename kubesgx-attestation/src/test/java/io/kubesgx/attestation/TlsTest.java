package io.kubesgx.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.attestation.server.AttestationServer;
import io.kubesgx.attestation.server.ServerOptions;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import io.kubesgx.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Given a certificate and key (as a kubernetes.io/tls Secret holds them), the service speaks HTTPS. */
class TlsTest {
  @Test
  void start_withPemCertificateAndKey_servesHttpsAndIssuerIsHttps(@TempDir Path dir) throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    java.security.KeyPair kp = g.generateKeyPair();
    org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=127.0.0.1");
    org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
        name, java.math.BigInteger.TEN, java.util.Date.from(Instant.now().minusSeconds(60)),
        java.util.Date.from(Instant.now().plusSeconds(3600)), name, kp.getPublic());
    b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
        new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
            org.bouncycastle.asn1.x509.GeneralName.iPAddress, "127.0.0.1")));
    java.security.cert.X509Certificate certificate = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
        .getCertificate(b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.writeString(cert, Pem.encode("CERTIFICATE", Bytes.of(certificate.getEncoded())));
    Files.writeString(key, Pem.encode("PRIVATE KEY", Bytes.of(kp.getPrivate().getEncoded())));
    try (AttestationServer s = AttestationServer.start(
        ServerOptions.defaults(0, dir.resolve("state")).withSim(dir.resolve("platform")).withTls(cert, key), Clock.systemUTC())) {
      assertTrue(s.baseUrl().startsWith("https://"), s.baseUrl());
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("tls", certificate);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(ctx).build();
      HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/.well-known/openid-configuration")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals(s.baseUrl() + "/certs", Json.parseObject(r.body()).string("jwks_uri"));
    }
  }
}
