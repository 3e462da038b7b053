package io.kubesgx.keybroker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.TestOidcIssuer;
import io.kubesgx.keybroker.TestPki;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import io.kubesgx.keybroker.tenant.ServiceAccount;
import io.kubesgx.keybroker.tenant.ServiceAccountVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --issuer-ca-file}: issuers on HTTPS with a private CA are trusted with it, refused without. */
class IssuerTrustTest {
  private static final String AUDIENCE = "kubesgx-key-broker";

  @Test
  void httpClient_issuerCaFile_tokenOfHttpsIssuerWithPrivateCaAccepted(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir);
    Path caFile = writeCa(dir, pki);
    try (TestOidcIssuer issuer = TestOidcIssuer.startHttps(serverContext(pki))) {
      ServiceAccountVerifier v = ServiceAccountVerifier.create(issuer.issuer(), AUDIENCE, Clock.systemUTC(),
          IssuerTrust.httpClient(List.of(caFile)));
      assertEquals(new ServiceAccount("team-a", "app"), v.verify(issuer.token("team-a", "app", AUDIENCE)));
    }
  }

  @Test
  void httpClient_noIssuerCaFile_httpsIssuerWithPrivateCaUnavailable(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir);
    try (TestOidcIssuer issuer = TestOidcIssuer.startHttps(serverContext(pki))) {
      ServiceAccountVerifier v = ServiceAccountVerifier.create(issuer.issuer(), AUDIENCE, Clock.systemUTC(),
          IssuerTrust.httpClient(List.of()));
      KeyBrokerException e = assertThrows(KeyBrokerException.class, () -> v.verify(issuer.token("team-a", "app", AUDIENCE)));
      assertEquals(KeyBrokerException.Reason.UNAVAILABLE, e.reason());
    }
  }

  @Test
  void httpClient_issuerCaFile_releaseTargetOfHttpsIssuerVerifiedAndRefusedWithout(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir);
    Path caFile = writeCa(dir, pki);
    try (TestOidcIssuer issuer = TestOidcIssuer.startHttps(serverContext(pki))) {
      String target = issuer.token("team-a", "app", AUDIENCE);
      TargetTokenVerifier with = TargetTokenVerifier.create(List.of(issuer.issuer()), Clock.systemUTC(),
          IssuerTrust.httpClient(List.of(caFile)));
      assertEquals(issuer.issuer(), with.verify(target).issuer());
      TargetTokenVerifier without = TargetTokenVerifier.create(List.of(issuer.issuer()), Clock.systemUTC(),
          IssuerTrust.httpClient(List.of()));
      KeyBrokerException e = assertThrows(KeyBrokerException.class, () -> without.verify(target));
      assertEquals(KeyBrokerException.Reason.TARGET_REJECTED, e.reason());
      assertTrue(e.getMessage().contains("METADATA_UNAVAILABLE"), e.getMessage());
    }
  }

  @Test
  void httpClient_otherCaInFile_httpsIssuerStillUnavailable(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir);
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    Path otherCa = writeCa(other, TestPki.create(other));
    try (TestOidcIssuer issuer = TestOidcIssuer.startHttps(serverContext(pki))) {
      ServiceAccountVerifier v = ServiceAccountVerifier.create(issuer.issuer(), AUDIENCE, Clock.systemUTC(),
          IssuerTrust.httpClient(List.of(otherCa)));
      KeyBrokerException e = assertThrows(KeyBrokerException.class, () -> v.verify(issuer.token("team-a", "app", AUDIENCE)));
      assertEquals(KeyBrokerException.Reason.UNAVAILABLE, e.reason());
    }
  }

  @Test
  void trustAnchors_extraCa_jvmDefaultCasPlusTheFile(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir);
    TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    def.init((KeyStore) null);
    List<X509Certificate> jvm = List.of(((X509TrustManager) def.getTrustManagers()[0]).getAcceptedIssuers());
    assertFalse(jvm.isEmpty(), "the JVM ships CAs");

    KeyStore anchors = IssuerTrust.trustAnchors(IssuerTrust.readCertificates(writeCa(dir, pki)));
    List<Certificate> trusted = new ArrayList<>();
    for (String alias : java.util.Collections.list(anchors.aliases())) {
      assertTrue(anchors.isCertificateEntry(alias), alias);
      trusted.add(anchors.getCertificate(alias));
    }
    assertEquals(jvm.size() + 1, trusted.size());
    assertTrue(trusted.containsAll(jvm), "a public-CA issuer stays trusted");
    assertTrue(trusted.contains(pki.ca));
  }

  @Test
  void readCertificates_userMistakes_oneLineNamingTheOption(@TempDir Path dir) throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.der"), "not a certificate\n");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "\n");
    Path key = Files.writeString(dir.resolve("key.pem"), Pem.encode("PRIVATE KEY", Bytes.of(new byte[] {1, 2, 3})));
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), Pem.encode("CERTIFICATE", Bytes.of(new byte[] {1, 2, 3})));
    Path big = dir.resolve("big.pem");
    Files.write(big, new byte[(int) IssuerTrust.MAX_FILE_BYTES + 1]);
    assertMistake(dir.resolve("missing.pem"), "no such file");
    assertMistake(dir, "is a directory");
    assertMistake(notPem, "is not a PEM certificate bundle");
    assertMistake(empty, "holds no certificate");
    assertMistake(key, "is not a PEM certificate bundle");
    assertMistake(garbage, "certificate 1 is not a valid X.509 certificate");
    assertMistake(big, "is larger than");
  }

  private static void assertMistake(Path file, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IssuerTrust.httpClient(List.of(file)));
    assertTrue(e.getMessage().startsWith("--issuer-ca-file " + file), e.getMessage());
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  private static Path writeCa(Path dir, TestPki pki) throws Exception {
    return Files.writeString(dir.resolve("ca.crt"), Pem.encode("CERTIFICATE", Bytes.of(pki.ca.getEncoded())));
  }

  /** A server TLS context presenting the test PKI's 127.0.0.1 certificate. */
  static SSLContext serverContext(TestPki pki) throws Exception {
    byte[] keyDer = Pem.decodeAll(Files.readAllBytes(pki.key), "PRIVATE KEY").get(0).toByteArray();
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(keyDer));
    List<Certificate> chain = new ArrayList<>();
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    for (Bytes der : Pem.decodeAll(Files.readAllBytes(pki.cert), "CERTIFICATE")) {
      chain.add(cf.generateCertificate(new java.io.ByteArrayInputStream(der.toByteArray())));
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", key, new char[0], chain.toArray(Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
