package io.kubesgx.keybroker.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import io.kubesgx.common.io.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signs release results: a compact JWS ({@code RS256}) whose header carries {@code kid}, {@code
 * x5c} and {@code x5t#S256} of the broker's release-signing certificate. The RSA-3072 key and its
 * self-signed certificate live in {@code STATE/signing/} (key file mode 0600), created at first start.
 */
public final class ReleaseSigner {
  private final PrivateKey key;
  private final X509Certificate certificate;
  private final String kid;

  private ReleaseSigner(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
    this.key = key;
    this.certificate = certificate;
    this.kid = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())).substring(0, 32);
  }

  /**
   * Loads the signing key from {@code dir}, or creates it.
   *
   * @throws IOException when the files cannot be read or written
   */
  public static ReleaseSigner loadOrCreate(Path dir, String subject, Clock clock, SecureRandom random) throws IOException {
    Path keyFile = dir.resolve("release-signing.key");
    Path certFile = dir.resolve("release-signing.crt");
    try {
      if (Files.exists(keyFile) && Files.exists(certFile)) {
        byte[] der = Pem.decodeAll(Files.readAllBytes(keyFile), "PRIVATE KEY").get(0).toByteArray();
        PrivateKey k = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] cder = Pem.decodeAll(Files.readAllBytes(certFile), "CERTIFICATE").get(0).toByteArray();
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(cder));
        return new ReleaseSigner(k, c);
      }
      AtomicFiles.createPrivateDirectory(dir);
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(3072, random);
      KeyPair kp = g.generateKeyPair();
      X500Name name = new X500Name("CN=" + subject.replaceAll("[,=+<>#;\"\\\\]", "_") + ", O=kubesgx key broker");
      Instant now = clock.instant();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, random).abs().add(BigInteger.ONE),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
      X509Certificate c = new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
      AtomicFiles.write(keyFile, Pem.encode("PRIVATE KEY", Bytes.of(kp.getPrivate().getEncoded())).getBytes(StandardCharsets.US_ASCII), true);
      AtomicFiles.write(certFile, Pem.encode("CERTIFICATE", Bytes.of(c.getEncoded())).getBytes(StandardCharsets.US_ASCII), false);
      return new ReleaseSigner(kp.getPrivate(), c);
    } catch (GeneralSecurityException | OperatorCreationException | io.kubesgx.common.MalformedInputException e) {
      throw new IOException("cannot load or create the release-signing key in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Returns the certificate that verifies release results. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** Signs {@code payloadJson} and returns the compact JWS. */
  public String sign(String payloadJson) {
    try {
      JWSHeader h = new JWSHeader.Builder(JWSAlgorithm.RS256)
          .type(JOSEObjectType.JOSE)
          .keyID(kid)
          .x509CertChain(List.of(Base64.encode(certificate.getEncoded())))
          .x509CertSHA256Thumbprint(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())))
          .build();
      JWSObject jws = new JWSObject(h, new Payload(payloadJson));
      jws.sign(new RSASSASigner(key));
      return jws.serialize();
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("signing the release result failed: " + e.getMessage(), e);
    }
  }
}
