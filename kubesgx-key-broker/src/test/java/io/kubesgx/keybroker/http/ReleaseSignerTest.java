package io.kubesgx.keybroker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The release signer with a real chain: x5c verifies to the CA, the leaf verifies the JWS, x5t#S256 names the leaf. */
class ReleaseSignerTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static KeyPair caKeys;
  private static KeyPair intermediateKeys;
  private static KeyPair leafKeys;
  private static X509Certificate ca;
  private static X509Certificate intermediate;
  private static X509Certificate leaf;

  @BeforeAll
  static void pki() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    caKeys = ec.generateKeyPair();
    intermediateKeys = ec.generateKeyPair();
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    leafKeys = rsa.generateKeyPair();
    ca = cert("CN=test root", "CN=test root", caKeys.getPublic(), caKeys.getPrivate(), true, NOW.minusSeconds(3600), NOW.plusSeconds(86400), null);
    intermediate = cert("CN=test root", "CN=test issuing", intermediateKeys.getPublic(), caKeys.getPrivate(), true,
        NOW.minusSeconds(3600), NOW.plusSeconds(86400), null);
    leaf = cert("CN=test issuing", "CN=broker.example", leafKeys.getPublic(), intermediateKeys.getPrivate(), false,
        NOW.minusSeconds(3600), NOW.plusSeconds(86400), new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
  }

  private static X509Certificate cert(String issuer, String subject, PublicKey key, PrivateKey signer, boolean isCa, Instant from,
      Instant to, KeyUsage usage) throws Exception {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(System.nanoTime()),
        Date.from(from), Date.from(to), new X500Name(subject), key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (usage != null) {
      b.addExtension(Extension.keyUsage, true, usage);
    }
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static Path pem(Path dir, String name, String type, byte[]... ders) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (byte[] d : ders) {
      sb.append(Pem.encode(type, Bytes.of(d)));
    }
    Path p = dir.resolve(name);
    Files.writeString(p, sb.toString());
    return p;
  }

  @Test
  void sign_keyWithChain_x5cVerifiesToTheCaAndTheLeafVerifiesTheSignature(@TempDir Path dir) throws Exception {
    Path key = pem(dir, "signing.key", "PRIVATE KEY", leafKeys.getPrivate().getEncoded());
    Path chain = pem(dir, "signing.crt", "CERTIFICATE", leaf.getEncoded(), intermediate.getEncoded());
    ReleaseSigner s = ReleaseSigner.fromPem(key, chain, "--signing-key", "--signing-cert", CLOCK);
    JWSObject jws = JWSObject.parse(s.sign("{\"response\":{}}"));
    assertEquals(JWSAlgorithm.RS256, jws.getHeader().getAlgorithm());
    List<X509Certificate> x5c = new ArrayList<>();
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    for (com.nimbusds.jose.util.Base64 c : jws.getHeader().getX509CertChain()) {
      x5c.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(c.decode())));
    }
    assertEquals(List.of(leaf, intermediate), x5c);
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(NOW));
    CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(x5c), params); // throws unless x5c chains to the CA
    assertTrue(jws.verify(new RSASSAVerifier((RSAPublicKey) x5c.get(0).getPublicKey())));
    assertEquals(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())),
        jws.getHeader().getX509CertSHA256Thumbprint());
  }

  @Test
  void fromPem_keyNotMatchingLeaf_refusedWithWhatToChange(@TempDir Path dir) throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    Path key = pem(dir, "other.key", "PRIVATE KEY", rsa.generateKeyPair().getPrivate().getEncoded());
    Path chain = pem(dir, "signing.crt", "CERTIFICATE", leaf.getEncoded(), intermediate.getEncoded());
    IOException e = assertThrows(IOException.class, () -> ReleaseSigner.fromPem(key, chain, "--signing-key", "--signing-cert", CLOCK));
    assertTrue(e.getMessage().contains("does not match the first certificate"), e.getMessage());
  }

  @Test
  void fromPem_chainOutOfOrder_refused(@TempDir Path dir) throws Exception {
    Path key = pem(dir, "signing.key", "PRIVATE KEY", leafKeys.getPrivate().getEncoded());
    Path chain = pem(dir, "signing.crt", "CERTIFICATE", leaf.getEncoded(), ca.getEncoded(), intermediate.getEncoded());
    IOException e = assertThrows(IOException.class, () -> ReleaseSigner.fromPem(key, chain, "--signing-key", "--signing-cert", CLOCK));
    assertTrue(e.getMessage().contains("certificate 1 is not issued by certificate 2"), e.getMessage());
  }

  @Test
  void fromPem_expiredLeaf_refused(@TempDir Path dir) throws Exception {
    Path key = pem(dir, "signing.key", "PRIVATE KEY", leafKeys.getPrivate().getEncoded());
    Path chain = pem(dir, "signing.crt", "CERTIFICATE", leaf.getEncoded());
    Clock later = Clock.offset(CLOCK, Duration.ofDays(2));
    IOException e = assertThrows(IOException.class, () -> ReleaseSigner.fromPem(key, chain, "--signing-key", "--signing-cert", later));
    assertTrue(e.getMessage().contains("renew it"), e.getMessage());
  }

  @Test
  void fromPem_notAKeyOrNoCertificate_refused(@TempDir Path dir) throws Exception {
    Path junk = dir.resolve("junk");
    Files.writeString(junk, "hello\n");
    Path chain = pem(dir, "signing.crt", "CERTIFICATE", leaf.getEncoded());
    Path key = pem(dir, "signing.key", "PRIVATE KEY", leafKeys.getPrivate().getEncoded());
    assertTrue(assertThrows(IOException.class, () -> ReleaseSigner.fromPem(junk, chain, "--signing-key", "--signing-cert", CLOCK))
        .getMessage().contains("--signing-key"));
    assertTrue(assertThrows(IOException.class, () -> ReleaseSigner.fromPem(key, junk, "--signing-key", "--signing-cert", CLOCK))
        .getMessage().contains("--signing-cert"));
  }
}
