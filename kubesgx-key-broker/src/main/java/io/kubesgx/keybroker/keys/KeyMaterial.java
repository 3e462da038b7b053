package io.kubesgx.keybroker.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The secret part of a key version and its public JWK members. The secret is the form a release
 * exports: raw bytes for oct keys, PKCS#8 DER for RSA and EC private keys. {@link #toString()} never
 * shows it.
 */
public final class KeyMaterial {
  /** RSA sizes accepted. */
  public static final Set<Integer> RSA_SIZES = Set.of(2048, 3072);
  /** oct sizes accepted, in bits. */
  public static final Set<Integer> OCT_SIZES = Set.of(128, 192, 256);
  /** EC curves accepted. */
  public static final Set<String> CURVES = Set.of("P-256", "P-384");

  private final KeyKind kind;
  private final byte[] secret;
  private final Map<String, Object> publicJwk;
  private final int size;

  private KeyMaterial(KeyKind kind, byte[] secret, Map<String, Object> publicJwk, int size) {
    this.kind = kind;
    this.secret = secret.clone();
    this.publicJwk = Map.copyOf(publicJwk);
    this.size = size;
  }

  /**
   * Generates a key. {@code size} is bits for RSA and oct (empty: 2048 and 256), {@code curve} the EC
   * curve (empty: P-256).
   *
   * @throws IllegalArgumentException for a size or curve this broker does not support (the message lists them)
   */
  public static KeyMaterial generate(KeyKind kind, Optional<Integer> size, Optional<String> curve, SecureRandom random) {
    try {
      switch (kind) {
        case RSA: {
          int bits = size.orElse(2048);
          if (!RSA_SIZES.contains(bits)) {
            throw new IllegalArgumentException("RSA key_size must be 2048 or 3072, got " + bits);
          }
          KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
          g.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4), random);
          KeyPair kp = g.generateKeyPair();
          RSAKey jwk = new RSAKey.Builder((java.security.interfaces.RSAPublicKey) kp.getPublic()).build();
          return new KeyMaterial(kind, kp.getPrivate().getEncoded(), jwk.toJSONObject(), bits);
        }
        case EC: {
          String crv = curve.orElse("P-256");
          if (!CURVES.contains(crv)) {
            throw new IllegalArgumentException("EC crv must be P-256 or P-384, got " + crv);
          }
          KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
          g.initialize(new ECGenParameterSpec(crv.equals("P-256") ? "secp256r1" : "secp384r1"), random);
          KeyPair kp = g.generateKeyPair();
          ECKey jwk = new ECKey.Builder(Curve.parse(crv), (java.security.interfaces.ECPublicKey) kp.getPublic()).build();
          return new KeyMaterial(kind, kp.getPrivate().getEncoded(), jwk.toJSONObject(), crv.equals("P-256") ? 256 : 384);
        }
        default: {
          int bits = size.orElse(256);
          if (!OCT_SIZES.contains(bits)) {
            throw new IllegalArgumentException("oct key_size must be 128, 192 or 256, got " + bits);
          }
          byte[] k = new byte[bits / 8];
          random.nextBytes(k);
          try {
            return new KeyMaterial(kind, k, Map.of(), bits);
          } finally {
            Arrays.fill(k, (byte) 0);
          }
        }
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("key generation failed: " + e.getMessage(), e);
    }
  }

  /**
   * Imports a private JWK of {@code kind}.
   *
   * @throws IllegalArgumentException when the JWK is not a private key of a supported kind and size
   */
  public static KeyMaterial fromJwk(KeyKind kind, JWK jwk) {
    try {
      switch (kind) {
        case RSA: {
          if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate()) {
            throw new IllegalArgumentException("the JWK must be an RSA private key (n, e, d, p, q, dp, dq, qi)");
          }
          int bits = rsa.size();
          if (!RSA_SIZES.contains(bits)) {
            throw new IllegalArgumentException("RSA keys must be 2048 or 3072 bits, got " + bits);
          }
          return new KeyMaterial(kind, rsa.toRSAPrivateKey().getEncoded(), rsa.toPublicJWK().toJSONObject(), bits);
        }
        case EC: {
          if (!(jwk instanceof ECKey ec) || !ec.isPrivate()) {
            throw new IllegalArgumentException("the JWK must be an EC private key (crv, x, y, d)");
          }
          String crv = ec.getCurve().getName();
          if (!CURVES.contains(crv)) {
            throw new IllegalArgumentException("EC keys must be on P-256 or P-384, got " + crv);
          }
          return new KeyMaterial(kind, ec.toECPrivateKey().getEncoded(), ec.toPublicJWK().toJSONObject(), ec.size());
        }
        default: {
          if (!(jwk instanceof OctetSequenceKey oct)) {
            throw new IllegalArgumentException("the JWK must be a symmetric key (k)");
          }
          byte[] k = oct.toByteArray();
          if (!OCT_SIZES.contains(k.length * 8)) {
            throw new IllegalArgumentException("oct keys must be 128, 192 or 256 bits, got " + k.length * 8);
          }
          return new KeyMaterial(kind, k, Map.of(), k.length * 8);
        }
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the JWK is not a usable key: " + e.getMessage(), e);
    }
  }

  /** Rebuilds material read from the store. */
  public static KeyMaterial restore(KeyKind kind, byte[] secret, Map<String, Object> publicJwk, int size) {
    return new KeyMaterial(Objects.requireNonNull(kind, "kind"), secret, publicJwk, size);
  }

  /** Returns the family. */
  public KeyKind kind() {
    return kind;
  }

  /** Returns the size in bits (the curve size for EC). */
  public int size() {
    return size;
  }

  /** Returns the public JWK members ({@code n, e} or {@code crv, x, y}; empty for oct). */
  public Map<String, Object> publicJwk() {
    return publicJwk;
  }

  /** Returns a copy of the export form: raw bytes (oct) or PKCS#8 DER (RSA, EC). Callers must clear it. */
  public byte[] exportBytes() {
    return secret.clone();
  }

  @Override
  public String toString() {
    return "KeyMaterial[" + kind + " " + size + ", secret hidden]";
  }
}
