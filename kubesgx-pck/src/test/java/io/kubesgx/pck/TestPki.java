package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away test PKI built with BouncyCastle: EC P-256 keys, arbitrary names and extensions. */
final class TestPki {
  static final String SIM_PROCESSOR_CA = "CN=kubesgx SIMULATED PCK Processor CA,O=kubesgx test";
  static final String SIM_PLATFORM_CA = "CN=kubesgx SIMULATED PCK Platform CA,O=kubesgx test";
  private static final AtomicLong SERIAL = new AtomicLong(1000);
  private static final Date NOT_BEFORE = Date.from(Instant.parse("2024-01-01T00:00:00Z"));
  private static final Date NOT_AFTER = Date.from(Instant.parse("2034-01-01T00:00:00Z"));

  private TestPki() {}

  /** A certificate with its key pair. */
  record Issued(X509Certificate cert, KeyPair keys) {}

  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Issues a certificate; {@code issuer == null} makes it self-signed. */
  static Issued issue(String subject, Issued issuer, boolean ca, boolean keyIds, byte[] sgxExtension) {
    return issue(subject, issuer, newKeyPair(), ca, keyIds, sgxExtension);
  }

  static Issued issue(String subject, Issued issuer, KeyPair keys, boolean ca, boolean keyIds, byte[] sgxExtension) {
    try {
      KeyPair signer = issuer == null ? keys : issuer.keys();
      X500Name issuerName = issuer == null ? new X500Name(subject)
          : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
          BigInteger.valueOf(SERIAL.incrementAndGet()), NOT_BEFORE, NOT_AFTER, new X500Name(subject), keys.getPublic());
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      if (keyIds) {
        b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false,
            utils.createAuthorityKeyIdentifier(signer.getPublic()));
      }
      if (ca) {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      }
      if (sgxExtension != null) {
        b.addExtension(new ASN1ObjectIdentifier(SgxExtensionParser.SGX_EXTENSION_OID), false, sgxExtension);
      }
      X509CertificateHolder h = b.build(signer(signer));
      return new Issued(Certificates.parse(Bytes.of(h.getEncoded())), keys);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Issued root(String cn) {
    return issue("CN=" + cn + ",O=kubesgx test", null, true, true, null);
  }

  /** A leaf carrying {@code sgxExtension}, issued by a fresh intermediate named {@code caName}. */
  static X509Certificate pckLeaf(String caName, byte[] sgxExtension) {
    Issued root = root("kubesgx SIMULATED Root CA");
    Issued ca = issue(caName, root, true, true, null);
    return issue("CN=kubesgx SIMULATED PCK Certificate,O=kubesgx test", ca, false, true, sgxExtension).cert();
  }

  /** A CRL signed by {@code issuer}, optionally with CRL number and AKI. */
  static X509CRL crl(Issued issuer, boolean crlNumber, boolean aki, int revoked) {
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(
          X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded()), NOT_BEFORE);
      b.setNextUpdate(NOT_AFTER);
      for (int i = 0; i < revoked; i++) {
        b.addCRLEntry(BigInteger.valueOf(5000 + i), NOT_BEFORE, CRLReason.keyCompromise);
      }
      if (crlNumber) {
        b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
      }
      if (aki) {
        b.addExtension(Extension.authorityKeyIdentifier, false,
            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.keys().getPublic()));
      }
      X509CRLHolder h = b.build(signer(issuer.keys()));
      return Crls.parse(h.getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static ContentSigner signer(KeyPair keys) throws Exception {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
  }
}
