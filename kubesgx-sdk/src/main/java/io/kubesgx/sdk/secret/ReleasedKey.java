package io.kubesgx.sdk.secret;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A key released to this enclave: its Key Vault id, type and operations, and the key itself — the
 * raw bytes of a symmetric ({@code oct}) key or a Java {@link PrivateKey} for RSA and EC keys.
 * {@link #toString()} never shows key material.
 */
public final class ReleasedKey {
  /** Key families a release can return. */
  public enum Family {
    /** Symmetric key (Key Vault {@code oct} / {@code oct-HSM}): raw bytes. */
    OCT,
    /** RSA private key ({@code RSA} / {@code RSA-HSM}): PKCS#8 on the wire. */
    RSA,
    /** EC private key ({@code EC} / {@code EC-HSM}): PKCS#8 on the wire. */
    EC
  }

  private final String kid;
  private final String kty;
  private final Family family;
  private final List<String> keyOps;
  private final byte[] octBytes;
  private final PrivateKey privateKey;

  private ReleasedKey(String kid, String kty, Family family, List<String> keyOps, byte[] octBytes, PrivateKey privateKey) {
    this.kid = kid;
    this.kty = kty;
    this.family = family;
    this.keyOps = List.copyOf(keyOps);
    this.octBytes = octBytes;
    this.privateKey = privateKey;
  }

  /**
   * Decodes released key material: raw bytes for {@code oct}, PKCS#8 for RSA and EC.
   *
   * @throws SecretException {@link SecretException.Reason#BAD_RESPONSE} when the type is unknown or
   *     the material does not decode as that type
   */
  static ReleasedKey decode(String kid, String kty, List<String> keyOps, byte[] material) throws SecretException {
    Family f = switch (kty) {
      case "oct", "oct-HSM" -> Family.OCT;
      case "RSA", "RSA-HSM" -> Family.RSA;
      case "EC", "EC-HSM" -> Family.EC;
      default -> throw new SecretException(SecretException.Reason.BAD_RESPONSE,
          "the released key has an unknown kty '" + kty + "' (expected oct, RSA or EC, optionally -HSM)", null);
    };
    if (f == Family.OCT) {
      return new ReleasedKey(kid, kty, f, keyOps, material.clone(), null);
    }
    try {
      PrivateKey k = KeyFactory.getInstance(f.name()).generatePrivate(new PKCS8EncodedKeySpec(material));
      return new ReleasedKey(kid, kty, f, keyOps, null, k);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new SecretException(SecretException.Reason.BAD_RESPONSE,
          "the released " + kty + " key is not a valid PKCS#8 " + f + " private key", e);
    }
  }

  /** Returns the key's id ({@code https://vault/keys/name/version}). */
  public String kid() {
    return kid;
  }

  /** Returns the key type as the broker named it ({@code oct-HSM}, {@code RSA}, …). */
  public String kty() {
    return kty;
  }

  /** Returns the key family. */
  public Family family() {
    return family;
  }

  /** Returns the operations the key is meant for ({@code key_ops}). */
  public List<String> keyOps() {
    return keyOps;
  }

  /** Returns a copy of the raw bytes of a symmetric key, or empty for RSA and EC keys. */
  public Optional<byte[]> octBytes() {
    return Optional.ofNullable(octBytes).map(byte[]::clone);
  }

  /** Returns a symmetric key as an AES {@link SecretKey}, or empty for RSA and EC keys. */
  public Optional<SecretKey> aesKey() {
    return Optional.ofNullable(octBytes).map(b -> new SecretKeySpec(b, "AES"));
  }

  /** Returns the private key of an RSA or EC key, or empty for symmetric keys. */
  public Optional<PrivateKey> privateKey() {
    return Optional.ofNullable(privateKey);
  }

  /**
   * Returns a fingerprint that identifies the key without revealing it (hex, 16 bytes): for RSA,
   * SHA-256 of the public key's X.509 encoding, so it matches the public key the broker shows; for
   * oct and EC, SHA-256 of {@code "kubesgx-key-fingerprint\0"} followed by the key material.
   */
  public String fingerprint() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      if (privateKey instanceof RSAPrivateCrtKey rsa) {
        PublicKey pub = KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        d.update(pub.getEncoded());
      } else {
        d.update("kubesgx-key-fingerprint\0".getBytes(StandardCharsets.US_ASCII));
        d.update(octBytes != null ? octBytes : privateKey.getEncoded());
      }
      return HexFormat.of().formatHex(Arrays.copyOf(d.digest(), 16));
    } catch (NoSuchAlgorithmException | java.security.spec.InvalidKeySpecException e) {
      throw new IllegalStateException("SHA-256 or RSA is not available: " + e.getMessage(), e);
    }
  }

  /** Shows the id, type and fingerprint, never the key. */
  @Override
  public String toString() {
    return "ReleasedKey[kid=" + kid + ", kty=" + kty + ", fingerprint=" + fingerprint() + "]";
  }
}
