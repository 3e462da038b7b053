package io.kubesgx.common.crypto;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;

/** ECDSA P-256 helpers for the raw encodings used inside SGX quotes and PCS collateral. */
public final class Ecdsa {
  private static final ECParameterSpec P256 = p256();

  private Ecdsa() {}

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec("secp256r1"));
      return params.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is not available in this JDK", e);
    }
  }

  /** Returns the P-256 domain parameters. */
  public static ECParameterSpec p256Params() {
    return P256;
  }

  /** Builds a P-256 public key from the 64-byte big-endian X‖Y form; rejects points not on the curve. */
  public static PublicKey publicKeyFromXy(Bytes xy) throws MalformedInputException {
    if (xy.length() != 64) {
      throw new MalformedInputException("P-256 public key must be 64 bytes, got " + xy.length());
    }
    byte[] raw = xy.toByteArray();
    BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(raw, 0, 32));
    BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(raw, 32, 64));
    BigInteger p = ((java.security.spec.ECFieldFp) P256.getCurve().getField()).getP();
    BigInteger a = P256.getCurve().getA();
    BigInteger b = P256.getCurve().getB();
    if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0
        || !y.multiply(y).mod(p).equals(x.pow(3).add(a.multiply(x)).add(b).mod(p))) {
      throw new MalformedInputException("attestation key is not a point on P-256");
    }
    try {
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new MalformedInputException("invalid P-256 public key", e);
    }
  }

  /** Returns the 64-byte X‖Y form of a P-256 public key. */
  public static Bytes xy(ECPublicKey key) {
    byte[] out = new byte[64];
    copy32(key.getW().getAffineX(), out, 0);
    copy32(key.getW().getAffineY(), out, 32);
    return Bytes.of(out);
  }

  private static void copy32(BigInteger v, byte[] out, int off) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, off + 32 - n, n);
  }

  /** Returns true when {@code key} is an EC key on P-256. */
  public static boolean isP256(PublicKey key) {
    if (!(key instanceof ECPublicKey)) {
      return false;
    }
    ECParameterSpec s = ((ECPublicKey) key).getParams();
    return s.getCurve().equals(P256.getCurve()) && s.getGenerator().equals(P256.getGenerator())
        && s.getOrder().equals(P256.getOrder());
  }

  /**
   * Verifies a 64-byte r‖s ECDSA-SHA256 signature; any malformed signature or provider error
   * counts as "invalid" and returns false.
   */
  public static boolean verifyP1363(PublicKey key, byte[] message, Bytes signature) {
    if (signature.length() != 64) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature.toByteArray());
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
