package io.kubesgx.keybroker.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
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
 * Signs release results: a compact JWS whose header carries {@code kid}, {@code x5c} (the signing
 * certificate's chain, leaf first) and {@code x5t#S256} (SHA-256 of the leaf).
 *
 * <p>Two sources: {@link #fromPem} loads a key and its certificate chain (the server's TLS key and
 * chain by default, or {@code --signing-key/--signing-cert}), so clients can check {@code x5c} up to
 * a CA they trust; RSA keys sign {@code RS256}, EC P-256/P-384 keys {@code ES256}/{@code ES384}.
 * Without TLS, {@link #loadOrCreate} keeps a self-signed RSA-3072 key in {@code STATE/signing/}
 * (key file mode 0600), created at first start.
 */
public final class ReleaseSigner {
  private final List<X509Certificate> chain;
  private final JWSAlgorithm algorithm;
  private final JWSHeader header;
  private final String encodedHeader; // the header never changes: encoded once (x5c makes it ~1-4 KiB)
  private final com.nimbusds.jose.JWSSigner signer;

  private ReleaseSigner(PrivateKey key, List<X509Certificate> chain, JWSAlgorithm algorithm) throws GeneralSecurityException {
    this.chain = List.copyOf(chain);
    this.algorithm = algorithm;
    String kid = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded())).substring(0, 32);
    List<Base64> x5c = new java.util.ArrayList<>();
    for (X509Certificate c : chain) {
      x5c.add(Base64.encode(c.getEncoded()));
    }
    this.header = new JWSHeader.Builder(algorithm)
        .type(JOSEObjectType.JOSE)
        .keyID(kid)
        .x509CertChain(x5c)
        .x509CertSHA256Thumbprint(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(chain.get(0).getEncoded())))
        .build();
    this.encodedHeader = header.toBase64URL().toString();
    try {
      this.signer = algorithm == JWSAlgorithm.RS256 ? new RSASSASigner(key)
          : new com.nimbusds.jose.crypto.ECDSASigner((java.security.interfaces.ECPrivateKey) key);
    } catch (JOSEException e) {
      throw new GeneralSecurityException("unusable signing key: " + e.getMessage(), e);
    }
  }

  /**
   * Loads a signing key and its certificate chain (PEM, leaf first). The leaf must match the key,
   * allow digital signatures and be valid now; each certificate must be issued by the next.
   *
   * @param keyOption the option that named the key file, for messages
   * @param certOption the option that named the chain file, for messages
   * @throws IOException when a file cannot be read or does not qualify; the message says what to change
   */
  public static ReleaseSigner fromPem(Path keyFile, Path chainFile, String keyOption, String certOption, Clock clock)
      throws IOException {
    PrivateKey k = readPrivateKey(keyFile, keyOption);
    List<X509Certificate> chain = new java.util.ArrayList<>();
    try (java.io.InputStream in = Files.newInputStream(chainFile)) {
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        chain.add((X509Certificate) c);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException(certOption + " " + chainFile + ": no such file", e);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(certOption + " " + chainFile + " is not a PEM certificate chain: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IOException(certOption + " " + chainFile + " holds no certificate; give the PEM chain, leaf first");
    }
    X509Certificate leaf = chain.get(0);
    JWSAlgorithm alg = algorithmFor(k, keyOption + " " + keyFile);
    try {
      java.security.Signature sig = java.security.Signature.getInstance(alg == JWSAlgorithm.RS256 ? "SHA256withRSA"
          : alg == JWSAlgorithm.ES256 ? "SHA256withECDSA" : "SHA384withECDSA");
      byte[] probe = "kubesgx release signer key check".getBytes(StandardCharsets.US_ASCII);
      sig.initSign(k);
      sig.update(probe);
      byte[] s = sig.sign();
      sig.initVerify(leaf.getPublicKey());
      sig.update(probe);
      if (!sig.verify(s)) {
        throw new IOException(keyOption + " " + keyFile + " does not match the first certificate of " + certOption + " " + chainFile
            + " (the chain must start with this key's certificate)");
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(keyOption + " " + keyFile + " does not match the first certificate of " + certOption + " " + chainFile
          + " (the chain must start with this key's certificate)", e);
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage != null && !usage[0]) {
      throw new IOException(certOption + " " + chainFile + ": the leaf certificate does not allow digital signatures (keyUsage)");
    }
    Date now = Date.from(clock.instant());
    if (now.after(leaf.getNotAfter()) || now.before(leaf.getNotBefore())) {
      throw new IOException(certOption + " " + chainFile + ": the leaf certificate is valid only from " + leaf.getNotBefore().toInstant()
          + " to " + leaf.getNotAfter().toInstant() + "; renew it");
    }
    for (int i = 0; i + 1 < chain.size(); i++) {
      try {
        chain.get(i).verify(chain.get(i + 1).getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new IOException(certOption + " " + chainFile + ": certificate " + (i + 1) + " is not issued by certificate " + (i + 2)
            + "; order the chain leaf first, each certificate followed by its issuer", e);
      }
    }
    try {
      return new ReleaseSigner(k, chain, alg);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + certOption + " " + chainFile + ": " + e.getMessage(), e);
    }
  }

  private static PrivateKey readPrivateKey(Path file, String option) throws IOException {
    Object o;
    try (org.bouncycastle.openssl.PEMParser p = new org.bouncycastle.openssl.PEMParser(Files.newBufferedReader(file,
        StandardCharsets.US_ASCII))) {
      o = p.readObject();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException(option + " " + file + ": no such file", e);
    } catch (IOException | RuntimeException e) {
      throw new IOException(option + " " + file + " is not a PEM private key: " + e.getMessage(), e);
    }
    try {
      org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter conv = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
      if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
      if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo pki) {
        return conv.getPrivateKey(pki);
      }
    } catch (IOException e) {
      throw new IOException(option + " " + file + " is not a usable private key: " + e.getMessage(), e);
    }
    if (o instanceof org.bouncycastle.openssl.PEMEncryptedKeyPair
        || o instanceof org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo) {
      throw new IOException(option + " " + file + " is encrypted; give an unencrypted PEM key (as a kubernetes.io/tls Secret holds it)");
    }
    throw new IOException(option + " " + file + " holds no PEM private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static JWSAlgorithm algorithmFor(PrivateKey k, String what) throws IOException {
    if (k instanceof java.security.interfaces.RSAPrivateKey r) {
      if (r.getModulus().bitLength() < 2048) {
        throw new IOException(what + ": RSA signing keys must have at least 2048 bits");
      }
      return JWSAlgorithm.RS256;
    }
    if (k instanceof java.security.interfaces.ECPrivateKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits == 256) {
        return JWSAlgorithm.ES256;
      }
      if (bits == 384) {
        return JWSAlgorithm.ES384;
      }
    }
    throw new IOException(what + ": the signing key must be RSA (2048+ bits) or EC P-256/P-384");
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
        return new ReleaseSigner(k, List.of(c), JWSAlgorithm.RS256);
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
      return new ReleaseSigner(kp.getPrivate(), List.of(c), JWSAlgorithm.RS256);
    } catch (GeneralSecurityException | OperatorCreationException | io.kubesgx.common.MalformedInputException e) {
      throw new IOException("cannot load or create the release-signing key in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Returns the certificate that verifies release results (the chain's leaf). */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** Returns the certificate chain put into {@code x5c}, leaf first. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** Returns the JWS algorithm. */
  public JWSAlgorithm algorithm() {
    return algorithm;
  }

  /** Signs {@code payloadJson} and returns the compact JWS. */
  public String sign(String payloadJson) {
    // Compact serialisation composed directly (RFC 7515 §7.1): the JDK's base64 for the payload and
    // the header encoded once; nimbus only computes the signature over the signing input.
    String input = encodedHeader + "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    try {
      return input + "." + signer.sign(header, input.getBytes(StandardCharsets.US_ASCII));
    } catch (JOSEException e) {
      throw new IllegalStateException("signing the release result failed: " + e.getMessage(), e);
    }
  }

}
