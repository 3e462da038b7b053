package io.kubesgx.webhook.certs;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Creates a CA and a serving certificate for the webhook Service (ECDSA P-256).
 *
 * @param caCertPem the CA certificate (the {@code caBundle})
 * @param certPem the serving certificate
 * @param keyPem the serving key, PKCS#8 PEM (secret: never logged)
 * @param notAfter expiry of the serving certificate
 */
public record ServingCertificates(String caCertPem, String certPem, String keyPem,
    Instant notAfter) {
  /** Validity of a new serving certificate (and its CA). */
  public static final Duration VALIDITY = Duration.ofDays(365);
  /** Certificates are replaced once less than this remains. */
  public static final Duration RENEW_BEFORE = Duration.ofDays(30);

  @Override
  public String toString() {
    return "ServingCertificates[notAfter=" + notAfter + ", key redacted]";
  }

  /** Returns whether the serving certificate should be replaced at {@code now}. */
  public boolean needsRenewal(Instant now) {
    return !now.plus(RENEW_BEFORE).isBefore(notAfter);
  }

  /** The DNS names a Service is reached by from the API server. */
  public static List<String> dnsNames(String service, String namespace) {
    return List.of(service, service + "." + namespace, service + "." + namespace + ".svc",
        service + "." + namespace + ".svc.cluster.local");
  }

  /** Creates a fresh CA and serving certificate valid from {@code clock.instant()}. */
  public static ServingCertificates create(String service, String namespace, Clock clock) {
    try {
      SecureRandom random = new SecureRandom();
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair ca = g.generateKeyPair();
      KeyPair leaf = g.generateKeyPair();
      Instant now = clock.instant();
      Date from = Date.from(now.minus(Duration.ofMinutes(5)));
      Date to = Date.from(now.plus(VALIDITY));
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X500Name caName = new X500Name("CN=kubesgx-webhook-ca." + namespace);
      JcaX509v3CertificateBuilder cab = new JcaX509v3CertificateBuilder(caName,
          new BigInteger(127, random), from, to, caName, ca.getPublic());
      cab.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      cab.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      cab.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(ca.getPublic()));
      X509Certificate caCert = sign(cab.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
      List<String> names = dnsNames(service, namespace);
      JcaX509v3CertificateBuilder lb = new JcaX509v3CertificateBuilder(caCert,
          new BigInteger(127, random), from, to,
          new X500Name("CN=" + names.get(2)), leaf.getPublic());
      List<GeneralName> sans = new ArrayList<>();
      names.forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
      lb.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(sans.toArray(new GeneralName[0])));
      lb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      lb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      lb.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      lb.addExtension(Extension.authorityKeyIdentifier, false,
          ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate leafCert = sign(lb.build(
          new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
      return new ServingCertificates(pem(caCert), pem(leafCert), pem(leaf.getPrivate()),
          leafCert.getNotAfter().toInstant());
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot create certificates: " + e.getMessage(), e);
    }
  }

  /** Reads the expiry of the first certificate in a PEM chain. */
  public static Instant notAfter(String certPem) throws CertificateException {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate c = (X509Certificate) cf.generateCertificate(
        new java.io.ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
    return c.getNotAfter().toInstant();
  }

  private static X509Certificate sign(X509CertificateHolder h) throws CertificateException {
    return new JcaX509CertificateConverter().getCertificate(h);
  }

  private static String pem(Object o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      if (o instanceof java.security.PrivateKey k) {
        pw.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
      } else {
        pw.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
