package io.kubesgx.sim.pki.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import io.kubesgx.common.crypto.Ecdsa;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.operator.ContentSigner;

/**
 * Deterministic P-256 key derivation and ECDSA-SHA256 signing with RFC 6979 nonces (BouncyCastle's
 * {@link HMacDSAKCalculator}), so the same seed always gives byte-identical certificates, CRLs and
 * signatures.
 */
public final class DeterministicEcdsa {
  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
  private static final ECDomainParameters DOMAIN =
      new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

  private DeterministicEcdsa() {}

  /** Returns a private scalar in [1, n−1] derived from the seed and label. */
  public static BigInteger deriveScalar(String seed, String label) {
    byte[] h = sha256((seed + "\0" + label).getBytes(StandardCharsets.UTF_8));
    return new BigInteger(1, h).mod(DOMAIN.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
  }

  /** Returns the JCA private key for scalar {@code d}. */
  public static ECPrivateKey privateKey(BigInteger d) {
    try {
      return (ECPrivateKey)
          KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, Ecdsa.p256Params()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the JCA public key d·G. */
  public static ECPublicKey publicKey(BigInteger d) {
    org.bouncycastle.math.ec.ECPoint q = DOMAIN.getG().multiply(d).normalize();
    ECPoint w =
        new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
    try {
      return (ECPublicKey)
          KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, Ecdsa.p256Params()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger[] sign(BigInteger d, byte[] message) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(d, DOMAIN));
    return signer.generateSignature(sha256(message));
  }

  /** Signs with ECDSA-SHA256, returning r‖s (32 bytes each, big-endian). */
  public static byte[] signP1363(BigInteger d, byte[] message) {
    BigInteger[] rs = sign(d, message);
    byte[] out = new byte[64];
    put32(rs[0], out, 0);
    put32(rs[1], out, 32);
    return out;
  }

  /** Signs with ECDSA-SHA256, returning the DER SEQUENCE{r, s}. */
  public static byte[] signDer(BigInteger d, byte[] message) {
    BigInteger[] rs = sign(d, message);
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new ASN1Integer(rs[0]));
    v.add(new ASN1Integer(rs[1]));
    try {
      return new DERSequence(v).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns a BouncyCastle content signer (ecdsa-with-SHA256, deterministic) for certificates and CRLs. */
  public static ContentSigner contentSigner(BigInteger d) {
    return new ContentSigner() {
      private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
      }

      @Override
      public OutputStream getOutputStream() {
        return buffer;
      }

      @Override
      public byte[] getSignature() {
        return signDer(d, buffer.toByteArray());
      }
    };
  }

  private static void put32(BigInteger v, byte[] out, int off) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, off + 32 - n, n);
  }

  /** Returns SHA-256 of {@code data}. */
  public static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
