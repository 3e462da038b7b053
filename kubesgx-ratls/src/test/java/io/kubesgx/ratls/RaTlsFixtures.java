package io.kubesgx.ratls;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.sim.SimQuoteProvider;
import io.kubesgx.sim.AppEnclave;
import io.kubesgx.sim.Scenario;
import io.kubesgx.sim.SimPlatform;
import io.kubesgx.verifier.QuoteVerifier;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Simulated platforms (one trusted, one not), enclaves and certificate builders for the RA-TLS tests.
 * Creating a platform costs key generation, so each is made once per test JVM in its own temporary
 * directory (deleted at exit); nothing a test changes is shared: the platforms are only read.
 */
final class RaTlsFixtures {
  /** The time the collateral is issued at; verifiers run at this instant unless a test moves its clock. */
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  static final SimEnclave APP = AppEnclave.newBuilder()
      .mrEnclave(Bytes.of("kubesgx ratls test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
      .product(7, 3)
      .build();

  static final SimEnclave DEBUG_APP = AppEnclave.newBuilder()
      .mrEnclave(Bytes.of("kubesgx ratls test enclave".getBytes(StandardCharsets.US_ASCII)).sha256())
      .product(7, 3)
      .debug(true)
      .build();

  private static SimPlatform trusted;
  private static SimPlatform untrusted;

  private RaTlsFixtures() {}

  static synchronized SimPlatform platform() {
    if (trusted == null) {
      trusted = create("trusted");
    }
    return trusted;
  }

  /** A second platform whose root no verifier of these tests trusts. */
  static synchronized SimPlatform otherPlatform() {
    if (untrusted == null) {
      untrusted = create("untrusted");
    }
    return untrusted;
  }

  private static SimPlatform create(String name) {
    try {
      Path tmp = Files.createTempDirectory("kubesgx-ratls-" + name);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(tmp)));
      return SimPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  static QuoteProvider provider() {
    return SimQuoteProvider.create(platform(), APP);
  }

  static QuoteProvider provider(SimEnclave enclave) {
    return SimQuoteProvider.create(platform(), enclave);
  }

  /** A quote verifier trusting only the trusted simulated platform's root. */
  static QuoteVerifier quoteVerifier() {
    try {
      return QuoteVerifier.newBuilder()
          .trustAnchors(TrustAnchors.of(List.of(TrustAnchor.fromCertificate(platform().rootCertificate()))))
          .build();
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  static Collateral collateral(SimPlatform p, Scenario s) {
    try {
      return p.collateral(s, NOW).toCollateral();
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }

  static RaTlsVerifier.Builder verifier(RaTlsPolicy policy, Clock clock) {
    return RaTlsVerifier.builder()
        .quoteVerifier(quoteVerifier())
        .collateral(CollateralSource.fixed(collateral(platform(), Scenario.UP_TO_DATE)))
        .policy(policy)
        .clock(clock);
  }

  static RaTlsVerifier verifier(RaTlsPolicy policy) {
    return verifier(policy, Clock.fixed(NOW, java.time.ZoneOffset.UTC)).build();
  }

  static RaTlsPolicy anyEnclave() {
    return RaTlsPolicy.builder().build();
  }

  static RaTlsCredential issue(RaTlsKeyType type) throws RaTlsException {
    return RaTlsIssuer.builder().quoteProvider(provider()).keyType(type).build().issue();
  }

  static KeyPair ecKey(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sha256(byte[] data) {
    return digest("SHA-256", data);
  }

  static byte[] digest(String alg, byte[] data) {
    try {
      return MessageDigest.getInstance(alg).digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] reportData(byte[] hash32) {
    byte[] rd = new byte[64];
    System.arraycopy(hash32, 0, rd, 0, 32);
    return rd;
  }

  /** A quote of {@link #APP} on the trusted platform binding {@code hash32}. */
  static byte[] quote(byte[] hash32) {
    try {
      return provider().quote(reportData(hash32));
    } catch (io.kubesgx.sdk.QuoteProviderException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ordered map of extension OID to raw extnValue content. */
  static Map<String, byte[]> extensions() {
    return new LinkedHashMap<>();
  }

  /** Builds a self-signed certificate for {@code kp} with exactly the given non-critical extensions. */
  static X509Certificate certificate(KeyPair kp, Map<String, byte[]> extensions) {
    try {
      X500Name name = new X500Name("CN=RATLS,O=GramineDevelopers,C=US");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
          Date.from(RaTlsIssuer.DEFAULT_NOT_BEFORE), Date.from(RaTlsIssuer.DEFAULT_NOT_AFTER), name, kp.getPublic());
      for (Map.Entry<String, byte[]> e : extensions.entrySet()) {
        b.addExtension(new ASN1ObjectIdentifier(e.getKey()), false, e.getValue());
      }
      String alg = kp.getPublic().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(kp.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at JVM exit
    }
  }
}
