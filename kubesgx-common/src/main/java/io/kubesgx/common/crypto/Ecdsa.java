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

  /**
   * Converts a DER ECDSA-Sig-Value {@code SEQUENCE { INTEGER r, INTEGER s }} for P-256 into 64-byte
   * {@code r || s}, rejecting non-minimal encodings, negative values, zero, values not below the
   * group order and trailing bytes.
   */
  public static Bytes derToP1363(byte[] der, String what) throws MalformedInputException {
    if (der.length < 8 || der.length > 72) {
      throw new MalformedInputException(
          what + ": DER ECDSA signature must be 8..72 bytes, got " + der.length);
    }
    if ((der[0] & 0xff) != 0x30) {
      throw new MalformedInputException(what + ": DER ECDSA signature must start with SEQUENCE");
    }
    int len = der[1] & 0xff;
    if (len >= 0x80) {
      throw new MalformedInputException(what + ": DER ECDSA signature has a non-minimal length");
    }
    if (len != der.length - 2) {
      throw new MalformedInputException(
          what + ": DER ECDSA signature length " + len + " does not match " + (der.length - 2)
              + " content bytes");
    }
    int[] pos = {2};
    byte[] r = integer(der, pos, what + " (r)");
    byte[] s = integer(der, pos, what + " (s)");
    if (pos[0] != der.length) {
      throw new MalformedInputException(what + ": trailing bytes inside the DER ECDSA signature");
    }
    byte[] out = new byte[64];
    System.arraycopy(r, 0, out, 32 - r.length, r.length);
    System.arraycopy(s, 0, out, 64 - s.length, s.length);
    return Bytes.of(out);
  }

  private static byte[] integer(byte[] d, int[] pos, String what) throws MalformedInputException {
    int p = pos[0];
    if (d.length - p < 3 || (d[p] & 0xff) != 0x02) {
      throw new MalformedInputException(what + ": expected a DER INTEGER");
    }
    int len = d[p + 1] & 0xff;
    if (len == 0 || len > 33 || len > d.length - p - 2) {
      throw new MalformedInputException(what + ": bad DER INTEGER length " + len);
    }
    int start = p + 2;
    if ((d[start] & 0x80) != 0) {
      throw new MalformedInputException(what + ": negative DER INTEGER");
    }
    if (len > 1 && d[start] == 0 && (d[start + 1] & 0x80) == 0) {
      throw new MalformedInputException(what + ": non-minimal DER INTEGER");
    }
    int from = start;
    int n = len;
    if (d[from] == 0 && n > 1) {
      from++;
      n--;
    }
    if (n > 32) {
      throw new MalformedInputException(what + ": DER INTEGER longer than 32 bytes");
    }
    byte[] v = new byte[n];
    System.arraycopy(d, from, v, 0, n);
    BigInteger b = new BigInteger(1, v);
    if (b.signum() == 0 || b.compareTo(P256.getOrder()) >= 0) {
      throw new MalformedInputException(what + ": value outside 1..n-1");
    }
    pos[0] = start + len;
    return v;
  }
}
