package io.kubesgx.attestation.token;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Makes new signing keys with self-signed certificates (BouncyCastle's builder, JCA signing). */
public final class KeyGenerator {
  /** Validity of the self-signed certificate carried in {@code x5c}. */
  public static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(3 * 365);

  private KeyGenerator() {}

  /**
   * Generates a key.
   *
   * @param algorithm RS256 (RSA 2048) or ES256 (P-256)
   * @param subject certificate subject, such as {@code CN=https://attest.example}
   * @param now creation time
   * @param activatesAt when signing with it may start
   */
  public static SigningKey generate(SigningAlgorithm algorithm, String subject, Instant now, Instant activatesAt)
      throws GeneralSecurityException {
    KeyPair kp;
    String sigAlg;
    if (algorithm == SigningAlgorithm.RS256) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, new SecureRandom());
      kp = g.generateKeyPair();
      sigAlg = "SHA256withRSA";
    } else {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      kp = g.generateKeyPair();
      sigAlg = "SHA256withECDSA";
    }
    X509Certificate cert = selfSign(kp, sigAlg, subject, now);
    return new SigningKey(kidOf(cert), algorithm, kp, cert, now, activatesAt, Optional.empty());
  }

  /** Returns the key ID for a certificate: base64url of its SHA-256 thumbprint. */
  public static String kidOf(X509Certificate cert) throws GeneralSecurityException {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
    return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
  }

  private static X509Certificate selfSign(KeyPair kp, String sigAlg, String subject, Instant now)
      throws GeneralSecurityException {
    X500Name name = new X500Name(subject);
    byte[] serial = new byte[16];
    new SecureRandom().nextBytes(serial);
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name,
            new BigInteger(1, serial),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(CERTIFICATE_VALIDITY)),
            name,
            kp.getPublic());
    try {
      ContentSigner signer = new JcaContentSignerBuilder(sigAlg).build(kp.getPrivate());
      X509CertificateHolder h = b.build(signer);
      return (X509Certificate)
          CertificateFactory.getInstance("X.509").generateCertificate(new java.io.ByteArrayInputStream(h.getEncoded()));
    } catch (OperatorCreationException | java.io.IOException e) {
      throw new GeneralSecurityException("cannot make the signing certificate: " + e.getMessage(), e);
    }
  }
}
