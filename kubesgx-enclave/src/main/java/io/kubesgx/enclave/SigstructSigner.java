package io.kubesgx.enclave;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.internal.RsaKeys;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * Builds and signs a SIGSTRUCT with an RSA-3072 key whose public exponent is 3.
 *
 * <p>Defaults are those of Fortanix {@code sgxs-sign} ({@code enclave-measurement.md} §2.2):
 * ATTRIBUTES flags MODE64BIT with mask {@code ~DEBUG}, XFRM 3 with mask {@code ~0x3}, MISCSELECT 0
 * with MISCMASK {@code 0xffffffff}, VENDOR 0, SWDEFINED 0, ISVPRODID 0, ISVSVN 0, zero KSS IDs, not
 * debug-signed, DATE today (UTC, from an injectable {@link Clock}). PKCS#1 v1.5 is deterministic, so
 * equal inputs give byte-identical SIGSTRUCTs. A builder is not thread-safe; {@link #sign} may be
 * called repeatedly.
 *
 * <pre>{@code
 * Sigstruct sig = SigstructSigner.newBuilder()
 *     .enclaveHash(SgxsImage.read(Path.of("app.sgxs")).mrEnclave())
 *     .isvProdId(1)
 *     .isvSvn(3)
 *     .sign(SigstructSigner.readPrivateKeyPem(Files.readString(Path.of("key.pem"))));
 * }</pre>
 */
public final class SigstructSigner {
  /** Required RSA modulus size in bits. */
  public static final int KEY_BITS = 3072;
  /** Required RSA public exponent. */
  public static final int PUBLIC_EXPONENT = 3;

  private Bytes enclaveHash;
  private Integer date;
  private Clock clock = Clock.systemUTC();
  private long vendor;
  private long swDefined;
  private boolean debugSigned;
  private long miscSelect;
  private long miscMask = 0xffffffffL;
  private Attributes attributes = new Attributes(Attributes.MODE64BIT, 0x3);
  private Attributes attributeMask = new Attributes(~Attributes.DEBUG, ~0x3L);
  private int isvProdId;
  private int isvSvn;
  private Bytes isvFamilyId = Bytes.zeros(16);
  private Bytes isvExtProdId = Bytes.zeros(16);

  private SigstructSigner() {}

  /** Returns a signer with Fortanix {@code sgxs-sign}'s defaults; set at least the enclave hash. */
  public static SigstructSigner newBuilder() {
    return new SigstructSigner();
  }

  /** Sets ENCLAVEHASH, the 32-byte MRENCLAVE of the enclave (required). */
  public SigstructSigner enclaveHash(Bytes mrEnclave) {
    if (mrEnclave.length() != 32) {
      throw new IllegalArgumentException("ENCLAVEHASH must be 32 bytes, got " + mrEnclave.length());
    }
    this.enclaveHash = mrEnclave;
    return this;
  }

  /** Sets DATE from BCD {@code 0xYYYYMMDD}, e.g. {@code 0x20160109}; it must be a real date. */
  public SigstructSigner date(int bcd) {
    String hex = String.format("%08x", bcd);
    if (!hex.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("DATE must be BCD 0xYYYYMMDD (decimal digits only), got 0x" + hex);
    }
    try {
      LocalDate.of(Integer.parseInt(hex.substring(0, 4)), Integer.parseInt(hex.substring(4, 6)),
          Integer.parseInt(hex.substring(6, 8)));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("DATE 0x" + hex + " is not a calendar date", e);
    }
    this.date = bcd;
    return this;
  }

  /** Sets DATE from a calendar date (years 0..9999). */
  public SigstructSigner date(LocalDate day) {
    int y = day.getYear();
    if (y < 0 || y > 9999) {
      throw new IllegalArgumentException("DATE year must be 0..9999, got " + y);
    }
    return date(bcdOf(day));
  }

  /** Sets the clock whose UTC date is used when no explicit date is given (default: system clock). */
  public SigstructSigner clock(Clock clock) {
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** Sets VENDOR (u32): 0 for an ISV (default), 0x8086 for Intel. */
  public SigstructSigner vendor(long vendor) {
    this.vendor = u32("VENDOR", vendor);
    return this;
  }

  /** Sets SWDEFINED (u32). */
  public SigstructSigner swDefined(long swDefined) {
    this.swDefined = u32("SWDEFINED", swDefined);
    return this;
  }

  /** Sets or clears TYPE bit 31 (debug signing). */
  public SigstructSigner debugSigned(boolean debugSigned) {
    this.debugSigned = debugSigned;
    return this;
  }

  /** Sets MISCSELECT and MISCMASK (both u32; the mask itself, not its inverse). */
  public SigstructSigner miscSelect(long value, long mask) {
    this.miscSelect = u32("MISCSELECT", value);
    this.miscMask = u32("MISCMASK", mask);
    return this;
  }

  /** Sets ATTRIBUTES and ATTRIBUTEMASK (the mask itself, not its inverse). */
  public SigstructSigner attributes(Attributes value, Attributes mask) {
    this.attributes = java.util.Objects.requireNonNull(value, "attributes");
    this.attributeMask = java.util.Objects.requireNonNull(mask, "attribute mask");
    return this;
  }

  /** Sets ISVPRODID (u16). */
  public SigstructSigner isvProdId(int isvProdId) {
    this.isvProdId = u16("ISVPRODID", isvProdId);
    return this;
  }

  /** Sets ISVSVN (u16). */
  public SigstructSigner isvSvn(int isvSvn) {
    this.isvSvn = u16("ISVSVN", isvSvn);
    return this;
  }

  /** Sets ISVFAMILYID (16 bytes, KSS). */
  public SigstructSigner isvFamilyId(Bytes id) {
    if (id.length() != 16) {
      throw new IllegalArgumentException("ISVFAMILYID must be 16 bytes, got " + id.length());
    }
    this.isvFamilyId = id;
    return this;
  }

  /** Sets ISVEXTPRODID (16 bytes, KSS). */
  public SigstructSigner isvExtProdId(Bytes id) {
    if (id.length() != 16) {
      throw new IllegalArgumentException("ISVEXTPRODID must be 16 bytes, got " + id.length());
    }
    this.isvExtProdId = id;
    return this;
  }

  /**
   * Signs: lays out the fields, signs bytes [0,128) ‖ [900,1028) with JCA {@code SHA256withRSA}, and
   * stores modulus, signature, Q1 and Q2 little-endian (§2.1).
   *
   * @throws IllegalArgumentException if the key is not RSA-3072 with public exponent 3
   * @throws IllegalStateException if no enclave hash was set
   */
  public Sigstruct sign(RSAPrivateCrtKey key) {
    checkKey(key);
    if (enclaveHash == null) {
      throw new IllegalStateException("set the enclave hash (MRENCLAVE) before signing");
    }
    int bcdDate = date != null ? date : bcdOf(LocalDate.now(clock));
    int type = debugSigned ? Sigstruct.TYPE_DEBUG : 0;
    byte[] modulusLe = Sigstruct.toLittleEndian(key.getModulus(), Sigstruct.KEY_SIZE);
    byte[] zero = new byte[Sigstruct.KEY_SIZE];
    byte[] unsigned = Sigstruct.layout(type, vendor, bcdDate, swDefined, modulusLe, PUBLIC_EXPONENT, zero, miscSelect,
        miscMask, 0, 0, isvFamilyId.toByteArray(), attributes, attributeMask, enclaveHash.toByteArray(),
        isvExtProdId.toByteArray(), isvProdId, isvSvn, zero, zero);
    byte[] sigBe;
    try {
      Signature s = RsaKeys.sha256WithRsa();
      s.initSign(key);
      s.update(unsigned, 0, Sigstruct.SIGNED_HEADER_END);
      s.update(unsigned, Sigstruct.SIGNED_BODY_START, Sigstruct.SIGNED_BODY_END - Sigstruct.SIGNED_BODY_START);
      sigBe = s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA signing failed: " + e.getMessage(), e);
    }
    BigInteger sv = new BigInteger(1, sigBe);
    BigInteger[] q = Sigstruct.quotients(sv, key.getModulus());
    byte[] full = Sigstruct.layout(type, vendor, bcdDate, swDefined, modulusLe, PUBLIC_EXPONENT,
        Sigstruct.toLittleEndian(sv, Sigstruct.KEY_SIZE), miscSelect, miscMask, 0, 0, isvFamilyId.toByteArray(),
        attributes, attributeMask, enclaveHash.toByteArray(), isvExtProdId.toByteArray(), isvProdId, isvSvn,
        Sigstruct.toLittleEndian(q[0], Sigstruct.KEY_SIZE), Sigstruct.toLittleEndian(q[1], Sigstruct.KEY_SIZE));
    try {
      return Sigstruct.parse(Bytes.of(full));
    } catch (MalformedInputException e) {
      throw new IllegalStateException("the signer produced an invalid SIGSTRUCT: " + e.getMessage(), e);
    }
  }

  /** Generates a fresh RSA-3072 signing key with public exponent 3. */
  public static RSAPrivateCrtKey generateKey(SecureRandom random) {
    return RsaKeys.generate(KEY_BITS, PUBLIC_EXPONENT, random);
  }

  /**
   * Reads an unencrypted RSA private key from PEM text, PKCS#1 ({@code RSA PRIVATE KEY}) or PKCS#8
   * ({@code PRIVATE KEY}). The key's size and exponent are checked when it is used to sign.
   */
  public static RSAPrivateCrtKey readPrivateKeyPem(String pem) throws MalformedInputException {
    return RsaKeys.readPem(pem);
  }

  /** Returns the key as a PKCS#8 {@code PRIVATE KEY} PEM block. */
  public static String toPkcs8Pem(RSAPrivateCrtKey key) {
    return RsaKeys.pkcs8Pem(key);
  }

  /** Returns the key as a PKCS#1 {@code RSA PRIVATE KEY} PEM block. */
  public static String toPkcs1Pem(RSAPrivateCrtKey key) {
    return RsaKeys.pkcs1Pem(key);
  }

  /** Returns the MRSIGNER enclaves signed with {@code key} get: SHA-256 of the little-endian modulus. */
  public static Bytes mrSigner(RSAKey key) {
    return Bytes.of(Sigstruct.toLittleEndian(key.getModulus(), Sigstruct.KEY_SIZE)).sha256();
  }

  private static void checkKey(RSAPrivateCrtKey key) {
    int bits = key.getModulus().bitLength();
    if (bits != KEY_BITS) {
      throw new IllegalArgumentException(
          "SGX enclave signing keys must be RSA-3072; this key has a " + bits + "-bit modulus");
    }
    if (!BigInteger.valueOf(PUBLIC_EXPONENT).equals(key.getPublicExponent())) {
      throw new IllegalArgumentException("SGX enclave signing keys must have public exponent 3; this key has "
          + key.getPublicExponent() + " (generate one with 'kubesgx enclave keygen' or openssl genrsa -3 3072)");
    }
  }

  private static int bcdOf(LocalDate day) {
    return Integer.parseUnsignedInt(
        String.format("%04d%02d%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth()), 16);
  }

  private static long u32(String what, long v) {
    if (v < 0 || v > 0xffffffffL) {
      throw new IllegalArgumentException(what + " must be 0..0xffffffff, got " + v);
    }
    return v;
  }

  private static int u16(String what, int v) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException(what + " must be 0..65535, got " + v);
    }
    return v;
  }
}
