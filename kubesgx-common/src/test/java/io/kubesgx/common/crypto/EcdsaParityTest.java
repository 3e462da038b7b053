package io.kubesgx.common.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JDK provider (SunEC) and the Amazon Corretto Crypto Provider must accept and reject exactly
 * the same ECDSA P-256 / SHA-256 signatures (java-stack.md §8.1 "Test both paths").
 *
 * <p>Each case runs through {@code Signature.getInstance(alg, provider)} for both providers
 * explicitly (the production helper {@link Ecdsa#verifyP1363} uses the default provider order, so
 * it is checked separately against the common verdict with whatever is installed first). Raw
 * (P1363, r‖s) edge cases: valid, r or s = 0, = n, ≥ n, r + n (a verifier that reduced r mod n
 * would accept it), all-ones, wrong lengths 0/63/65/128, a DER signature passed as raw, the high-s
 * twin n − s (valid ECDSA; both must accept it), wrong message, bit flips. DER edge cases (the
 * format of certificate and CRL signatures): valid, non-minimal and negative integers, trailing
 * bytes, long-form length, wrong tags. Keys: points off the curve and coordinates ≥ p must be
 * rejected by {@link Ecdsa#publicKeyFromXy} before any provider sees them.
 *
 * <p>Skipped with a visible message when ACCP cannot load on this platform.
 */
class EcdsaParityTest {
  private static final String P1363 = "SHA256withECDSAinP1363Format";
  private static final String DER = "SHA256withECDSA";
  private static final BigInteger N = Ecdsa.p256Params().getOrder();
  private static final BigInteger P = ((ECFieldFp) Ecdsa.p256Params().getCurve().getField()).getP();
  private static final byte[] MESSAGE = "kubesgx provider parity".getBytes(StandardCharsets.US_ASCII);

  private static Provider sun;
  private static Provider accp;
  private static KeyPair pair;

  @BeforeAll
  static void providers() throws Exception {
    sun = Security.getProvider("SunEC");
    assertTrue(sun != null, "SunEC is part of every JDK");
    Throwable error;
    try {
      error = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
    } catch (Throwable t) {
      error = t;
    }
    Assumptions.assumeTrue(error == null,
        "Amazon Corretto Crypto Provider unavailable on this platform (" + error + "); provider parity not tested");
    accp = AmazonCorrettoCryptoProvider.INSTANCE;
    AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
    SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
    seeded.setSeed(20261128L);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", sun);
    g.initialize(new ECGenParameterSpec("secp256r1"), seeded);
    pair = g.generateKeyPair();
  }

  /** Verifies with one provider, mapping any exception to "invalid" as {@link Ecdsa} does. */
  private static boolean verify(Provider p, String alg, PublicKey key, byte[] message, byte[] sig) {
    try {
      PublicKey k = KeyFactory.getInstance("EC", p).generatePublic(new X509EncodedKeySpec(key.getEncoded()));
      Signature s = Signature.getInstance(alg, p);
      s.initVerify(k);
      s.update(message);
      return s.verify(sig);
    } catch (Exception e) {
      return false;
    }
  }

  private static byte[] sign(String alg, PrivateKey key, byte[] message) throws Exception {
    Signature s = Signature.getInstance(alg, sun);
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(7L);
    s.initSign(key, r);
    s.update(message);
    return s.sign();
  }

  private static byte[] raw(BigInteger r, BigInteger s) {
    byte[] out = new byte[64];
    put32(r, out, 0);
    put32(s, out, 32);
    return out;
  }

  private static void put32(BigInteger v, byte[] out, int off) {
    byte[] b = v.toByteArray();
    if (b.length > 33 || (b.length == 33 && b[0] != 0)) {
      throw new IllegalArgumentException("does not fit in 32 bytes");
    }
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, off + 32 - n, n);
  }

  private static BigInteger r(byte[] raw) {
    return new BigInteger(1, Arrays.copyOfRange(raw, 0, 32));
  }

  private static BigInteger s(byte[] raw) {
    return new BigInteger(1, Arrays.copyOfRange(raw, 32, 64));
  }

  /** A case: a signature over a message and the expected common verdict. */
  record Case(String name, byte[] message, byte[] signature, boolean valid) {}

  private static void assertParity(String alg, List<Case> cases) {
    List<String> failures = new ArrayList<>();
    Map<String, String> table = new LinkedHashMap<>();
    for (Case c : cases) {
      boolean bySun = verify(sun, alg, pair.getPublic(), c.message(), c.signature());
      boolean byAccp = verify(accp, alg, pair.getPublic(), c.message(), c.signature());
      table.put(c.name(), (bySun ? "accept" : "reject") + "/" + (byAccp ? "accept" : "reject"));
      if (bySun != byAccp) {
        failures.add(c.name() + ": SunEC " + bySun + ", ACCP " + byAccp);
      } else if (bySun != c.valid()) {
        failures.add(c.name() + ": both " + bySun + ", expected " + c.valid());
      }
      if (alg.equals(P1363)) {
        boolean byDefault = Ecdsa.verifyP1363(pair.getPublic(), c.message(), Bytes.of(c.signature()));
        if (byDefault != c.valid()) {
          failures.add(c.name() + ": Ecdsa.verifyP1363 (default provider " + CryptoProviders.ecdsaProviderName() + ") " + byDefault);
        }
      }
    }
    System.out.println("EcdsaParityTest " + alg + " (SunEC/ACCP): " + table);
    assertEquals(List.of(), failures);
  }

  @Test
  void verifyP1363_edgeCases_sunEcAndAccpAgree() throws Exception {
    byte[] good = sign(P1363, pair.getPrivate(), MESSAGE);
    assertEquals(64, good.length);
    BigInteger r = r(good);
    BigInteger s = s(good);
    BigInteger max = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("valid", MESSAGE, good, true));
    cases.add(new Case("high-s twin n-s", MESSAGE, raw(r, N.subtract(s)), true));
    cases.add(new Case("r=0", MESSAGE, raw(BigInteger.ZERO, s), false));
    cases.add(new Case("s=0", MESSAGE, raw(r, BigInteger.ZERO), false));
    cases.add(new Case("r=s=0", MESSAGE, new byte[64], false));
    cases.add(new Case("r=n", MESSAGE, raw(N, s), false));
    cases.add(new Case("s=n", MESSAGE, raw(r, N), false));
    cases.add(new Case("r=n+1", MESSAGE, raw(N.add(BigInteger.ONE), s), false));
    cases.add(new Case("s=n+1", MESSAGE, raw(r, N.add(BigInteger.ONE)), false));
    cases.add(new Case("r=2^256-1", MESSAGE, raw(max, s), false));
    cases.add(new Case("s=2^256-1", MESSAGE, raw(r, max), false));
    cases.add(new Case("r=s=1", MESSAGE, raw(BigInteger.ONE, BigInteger.ONE), false));
    cases.add(new Case("s=n-1", MESSAGE, raw(r, N.subtract(BigInteger.ONE)), false));
    if (r.add(N).compareTo(max) <= 0) {
      cases.add(new Case("r+n (r mod n would accept)", MESSAGE, raw(r.add(N), s), false));
    }
    if (s.add(N).compareTo(max) <= 0) {
      cases.add(new Case("s+n (s mod n would accept)", MESSAGE, raw(r, s.add(N)), false));
    }
    cases.add(new Case("length 0", MESSAGE, new byte[0], false));
    cases.add(new Case("length 63 (last byte cut)", MESSAGE, Arrays.copyOf(good, 63), false));
    cases.add(new Case("length 63 (first byte cut)", MESSAGE, Arrays.copyOfRange(good, 1, 64), false));
    cases.add(new Case("length 65 (zero appended)", MESSAGE, Arrays.copyOf(good, 65), false));
    byte[] prefixed = new byte[65];
    System.arraycopy(good, 0, prefixed, 1, 64);
    cases.add(new Case("length 65 (zero prefixed)", MESSAGE, prefixed, false));
    cases.add(new Case("length 128", MESSAGE, Arrays.copyOf(good, 128), false));
    cases.add(new Case("DER passed as raw", MESSAGE, sign(DER, pair.getPrivate(), MESSAGE), false));
    cases.add(new Case("r and s swapped", MESSAGE, raw(s, r), false));
    cases.add(new Case("wrong message", "kubesgx provider parity!".getBytes(StandardCharsets.US_ASCII), good, false));
    cases.add(new Case("empty message", new byte[0], good, false));
    for (int bit : new int[] {0, 7, 255, 256, 263, 511}) {
      byte[] flipped = good.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      cases.add(new Case("bit " + bit + " flipped", MESSAGE, flipped, false));
    }
    assertParity(P1363, cases);
  }

  @Test
  void verifyDer_edgeCases_sunEcAndAccpAgree() throws Exception {
    byte[] raw = sign(P1363, pair.getPrivate(), MESSAGE);
    BigInteger r = r(raw);
    BigInteger s = s(raw);
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("valid", MESSAGE, der(intDer(r), intDer(s)), true));
    cases.add(new Case("high-s twin n-s", MESSAGE, der(intDer(r), intDer(N.subtract(s))), true));
    cases.add(new Case("r=0", MESSAGE, der(intDer(BigInteger.ZERO), intDer(s)), false));
    cases.add(new Case("s=n", MESSAGE, der(intDer(r), intDer(N)), false));
    cases.add(new Case("r non-minimal (extra 00)", MESSAGE, der(nonMinimal(r), intDer(s)), false));
    cases.add(new Case("s non-minimal (extra 00)", MESSAGE, der(intDer(r), nonMinimal(s)), false));
    cases.add(new Case("r negative (sign bit, no 00)", MESSAGE, der(negative(r), intDer(s)), false));
    byte[] good = der(intDer(r), intDer(s));
    cases.add(new Case("trailing 00 after SEQUENCE", MESSAGE, Arrays.copyOf(good, good.length + 1), false));
    cases.add(new Case("SEQUENCE long-form length", MESSAGE, longForm(good), false));
    byte[] wrongTag = good.clone();
    wrongTag[0] = 0x31;
    cases.add(new Case("SET instead of SEQUENCE", MESSAGE, wrongTag, false));
    byte[] wrongIntTag = good.clone();
    wrongIntTag[2] = 0x03;
    cases.add(new Case("BIT STRING instead of INTEGER", MESSAGE, wrongIntTag, false));
    cases.add(new Case("raw passed as DER", MESSAGE, raw, false));
    cases.add(new Case("wrong message", new byte[] {1}, good, false));
    assertParity(DER, cases);
  }

  private static byte[] intDer(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[b.length + 2];
    out[0] = 0x02;
    out[1] = (byte) b.length;
    System.arraycopy(b, 0, out, 2, b.length);
    return out;
  }

  private static byte[] nonMinimal(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[b.length + 3];
    out[0] = 0x02;
    out[1] = (byte) (b.length + 1);
    System.arraycopy(b, 0, out, 3, b.length);
    return out;
  }

  /** The 32 magnitude bytes without the 0x00 sign pad (negative when the top bit is set). */
  private static byte[] negative(BigInteger v) {
    byte[] m = new byte[32];
    put32(v, m, 0);
    m[0] |= (byte) 0x80;
    byte[] out = new byte[34];
    out[0] = 0x02;
    out[1] = 32;
    System.arraycopy(m, 0, out, 2, 32);
    return out;
  }

  private static byte[] der(byte[] a, byte[] b) {
    byte[] out = new byte[2 + a.length + b.length];
    out[0] = 0x30;
    out[1] = (byte) (a.length + b.length);
    System.arraycopy(a, 0, out, 2, a.length);
    System.arraycopy(b, 0, out, 2 + a.length, b.length);
    return out;
  }

  private static byte[] longForm(byte[] seq) {
    byte[] out = new byte[seq.length + 1];
    out[0] = 0x30;
    out[1] = (byte) 0x81;
    System.arraycopy(seq, 1, out, 2, seq.length - 1);
    return out;
  }

  @Test
  void publicKeyFromXy_pointsOffCurve_rejectedBeforeAnyProvider() throws Exception {
    Bytes xy = Ecdsa.xy((ECPublicKey) pair.getPublic());
    PublicKey ok = Ecdsa.publicKeyFromXy(xy);
    assertEquals(pair.getPublic(), ok);
    byte[] good = sign(P1363, pair.getPrivate(), MESSAGE);
    assertTrue(verify(sun, P1363, ok, MESSAGE, good) && verify(accp, P1363, ok, MESSAGE, good));

    byte[] b = xy.toByteArray();
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(b, 0, 32));
    BigInteger y = new BigInteger(1, Arrays.copyOfRange(b, 32, 64));
    Map<String, byte[]> bad = new LinkedHashMap<>();
    bad.put("y+1", raw(x, y.add(BigInteger.ONE).mod(P)));
    bad.put("x+1", raw(x.add(BigInteger.ONE).mod(P), y));
    bad.put("zero (infinity encoding)", new byte[64]);
    bad.put("y+p (coordinate >= p)", raw(x, y.add(P).compareTo(BigInteger.ONE.shiftLeft(256)) < 0 ? y.add(P) : P));
    bad.put("x=p", raw(P, y));
    bad.put("all ones", filled((byte) 0xff));
    for (Map.Entry<String, byte[]> e : bad.entrySet()) {
      assertThrows(MalformedInputException.class, () -> Ecdsa.publicKeyFromXy(Bytes.of(e.getValue())), e.getKey());
    }
    assertThrows(MalformedInputException.class, () -> Ecdsa.publicKeyFromXy(Bytes.of(Arrays.copyOf(b, 63))));
    assertThrows(MalformedInputException.class, () -> Ecdsa.publicKeyFromXy(Bytes.of(Arrays.copyOf(b, 65))));

    // The on-curve negation (x, p − y) is a valid, different key: it must not verify our signature.
    PublicKey negated = Ecdsa.publicKeyFromXy(Bytes.of(raw(x, P.subtract(y))));
    assertFalse(verify(sun, P1363, negated, MESSAGE, good));
    assertFalse(verify(accp, P1363, negated, MESSAGE, good));

    // Provider level: an off-curve point given directly to each KeyFactory must never yield a key
    // that verifies anything; both providers reject or fail the verification.
    ECPoint off = new ECPoint(x, y.add(BigInteger.ONE).mod(P));
    for (Provider p : List.of(sun, accp)) {
      boolean verified;
      try {
        PublicKey k = KeyFactory.getInstance("EC", p).generatePublic(new ECPublicKeySpec(off, Ecdsa.p256Params()));
        Signature s = Signature.getInstance(P1363, p);
        s.initVerify(k);
        s.update(MESSAGE);
        verified = s.verify(good);
      } catch (Exception e) {
        verified = false;
      }
      assertFalse(verified, p.getName() + " verified with an off-curve key");
    }
  }

  private static byte[] filled(byte v) {
    byte[] b = new byte[64];
    Arrays.fill(b, v);
    return b;
  }
}
