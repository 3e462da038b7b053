package io.kubesgx.enclave.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.List;

/**
 * RSA helpers for SIGSTRUCT: JCA objects from the JDK's RSA provider (which supports the public
 * exponent 3 that SGX requires), and PKCS#1 / PKCS#8 private-key DER and PEM without third-party
 * libraries.
 */
public final class RsaKeys {
  /** PEM label of a PKCS#1 {@code RSAPrivateKey}. */
  public static final String PKCS1_LABEL = "RSA PRIVATE KEY";
  /** PEM label of an unencrypted PKCS#8 {@code PrivateKeyInfo}. */
  public static final String PKCS8_LABEL = "PRIVATE KEY";

  /** DER of AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } (RFC 8017 A.1). */
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01,
    0x05, 0x00
  };

  private RsaKeys() {}

  /** Returns the JDK's RSA provider (SunRsaSign) when present, else null for the default lookup. */
  private static Provider jdkRsa() {
    return Security.getProvider("SunRsaSign");
  }

  /** Returns a {@code SHA256withRSA} signature object, preferring the JDK provider. */
  public static Signature sha256WithRsa() throws GeneralSecurityException {
    Provider p = jdkRsa();
    return p != null ? Signature.getInstance("SHA256withRSA", p) : Signature.getInstance("SHA256withRSA");
  }

  /** Returns an RSA key factory, preferring the JDK provider. */
  public static KeyFactory keyFactory() throws GeneralSecurityException {
    Provider p = jdkRsa();
    return p != null ? KeyFactory.getInstance("RSA", p) : KeyFactory.getInstance("RSA");
  }

  /** Generates an RSA key of {@code bits} bits with public exponent {@code e}. */
  public static RSAPrivateCrtKey generate(int bits, int e, SecureRandom random) {
    try {
      Provider p = jdkRsa();
      KeyPairGenerator g = p != null ? KeyPairGenerator.getInstance("RSA", p) : KeyPairGenerator.getInstance("RSA");
      g.initialize(new RSAKeyGenParameterSpec(bits, BigInteger.valueOf(e)), random);
      PrivateKey k = g.generateKeyPair().getPrivate();
      if (k instanceof RSAPrivateCrtKey crt) {
        return crt;
      }
      throw new IllegalStateException("RSA key generator returned no CRT key: " + k.getClass().getName());
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException("cannot generate a " + bits + "-bit RSA key with e=" + e, ex);
    }
  }

  /**
   * Reads one unencrypted RSA private key from PEM text: PKCS#1 ({@code RSA PRIVATE KEY}) or PKCS#8
   * ({@code PRIVATE KEY}).
   */
  public static RSAPrivateCrtKey readPem(String pemText) throws MalformedInputException {
    List<Pem.Block> blocks = Pem.decodeAll(pemText);
    if (blocks.size() != 1) {
      throw new MalformedInputException("expected exactly one PEM private key block, found " + blocks.size());
    }
    Pem.Block b = blocks.get(0);
    byte[] pkcs8 = switch (b.label()) {
      case PKCS1_LABEL -> wrapPkcs1(b.der().toByteArray());
      case PKCS8_LABEL -> b.der().toByteArray();
      case "ENCRYPTED PRIVATE KEY" -> throw new MalformedInputException(
          "encrypted private keys are not supported; decrypt first (openssl pkey -in KEY -out PLAIN.pem)");
      default -> throw new MalformedInputException(
          "expected PEM '" + PKCS1_LABEL + "' or '" + PKCS8_LABEL + "', found '" + b.label() + "'");
    };
    try {
      PrivateKey k = keyFactory().generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      if (k instanceof RSAPrivateCrtKey crt) {
        return crt;
      }
      throw new MalformedInputException("the private key is not an RSA key with CRT parameters");
    } catch (InvalidKeySpecException | RuntimeException e) {
      throw new MalformedInputException("not a valid RSA private key: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no RSA key factory", e);
    }
  }

  /** Encodes the key as PKCS#1 DER (RFC 8017 A.1.2, two-prime). */
  public static byte[] pkcs1Der(RSAPrivateCrtKey k) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BigInteger[] parts = {
      BigInteger.ZERO, k.getModulus(), k.getPublicExponent(), k.getPrivateExponent(), k.getPrimeP(),
      k.getPrimeQ(), k.getPrimeExponentP(), k.getPrimeExponentQ(), k.getCrtCoefficient()
    };
    for (BigInteger v : parts) {
      tlv(body, 0x02, v.toByteArray());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    tlv(out, 0x30, body.toByteArray());
    return out.toByteArray();
  }

  /** Encodes the key as unencrypted PKCS#8 DER (RFC 5208 PrivateKeyInfo). */
  public static byte[] pkcs8Der(RSAPrivateCrtKey k) {
    return wrapPkcs1(pkcs1Der(k));
  }

  /** Returns the key as a PKCS#8 {@code PRIVATE KEY} PEM block. */
  public static String pkcs8Pem(RSAPrivateCrtKey k) {
    return Pem.encode(PKCS8_LABEL, Bytes.of(pkcs8Der(k)));
  }

  /** Returns the key as a PKCS#1 {@code RSA PRIVATE KEY} PEM block. */
  public static String pkcs1Pem(RSAPrivateCrtKey k) {
    return Pem.encode(PKCS1_LABEL, Bytes.of(pkcs1Der(k)));
  }

  /** Wraps PKCS#1 DER into PKCS#8: SEQUENCE { INTEGER 0, rsaEncryption, OCTET STRING pkcs1 }. */
  static byte[] wrapPkcs1(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    tlv(body, 0x02, new byte[] {0});
    body.write(RSA_ALGORITHM_ID, 0, RSA_ALGORITHM_ID.length);
    tlv(body, 0x04, pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    tlv(out, 0x30, body.toByteArray());
    return out.toByteArray();
  }

  private static void tlv(ByteArrayOutputStream out, int tag, byte[] value) {
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.write(value, 0, value.length);
  }
}
