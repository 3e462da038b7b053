package io.kubesgx.enclave;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.internal.Le;
import io.kubesgx.enclave.internal.RsaKeys;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;

/**
 * The 1808-byte enclave signature structure (SIGSTRUCT), parsed field by field.
 *
 * <p>Layout from {@code enclave-measurement.md} §2 (Intel {@code enclave_css_t} in {@code arch.h},
 * Fortanix {@code Sigstruct}, the kernel's {@code struct sgx_sigstruct}). The modulus, signature, Q1
 * and Q2 are kept little-endian exactly as stored. {@link #parse} is strict: the two header constants
 * must match, TYPE may only have bit 31 (debug signing) set, and every reserved byte must be zero.
 * Parsing checks structure only; {@link #verify()} does the cryptography.
 *
 * @param type TYPE (u32 at 12); bit 31 marks a debug-signed enclave
 * @param vendor VENDOR (u32 at 16): 0 for an ISV, 0x8086 for Intel
 * @param date DATE as BCD {@code 0xYYYYMMDD} (u32 at 20)
 * @param swDefined SWDEFINED (u32 at 40), Intel's {@code hw_version}
 * @param modulus the 384-byte RSA modulus, little-endian (at 128)
 * @param exponent EXPONENT (u32 at 512), 3 for a valid SIGSTRUCT
 * @param signature the 384-byte RSA signature, little-endian (at 516)
 * @param miscSelect MISCSELECT (u32 at 900)
 * @param miscMask MISCMASK (u32 at 904)
 * @param cetAttributes CET_ATTRIBUTES (u8 at 908, Fortanix; reserved for Intel)
 * @param cetAttributesMask CET_ATTRIBUTES_MASK (u8 at 909)
 * @param isvFamilyId ISVFAMILYID (16 bytes at 912, KSS)
 * @param attributes ATTRIBUTES (16 bytes at 928)
 * @param attributeMask ATTRIBUTEMASK (16 bytes at 944)
 * @param enclaveHash ENCLAVEHASH, the expected MRENCLAVE (32 bytes at 960)
 * @param isvExtProdId ISVEXTPRODID (16 bytes at 1008, KSS)
 * @param isvProdId ISVPRODID (u16 at 1024)
 * @param isvSvn ISVSVN (u16 at 1026)
 * @param q1 Q1, 384 bytes little-endian (at 1040)
 * @param q2 Q2, 384 bytes little-endian (at 1424)
 * @param raw the complete 1808 bytes; must equal the encoding of the other components
 */
public record Sigstruct(
    int type,
    long vendor,
    int date,
    long swDefined,
    Bytes modulus,
    long exponent,
    Bytes signature,
    long miscSelect,
    long miscMask,
    int cetAttributes,
    int cetAttributesMask,
    Bytes isvFamilyId,
    Attributes attributes,
    Attributes attributeMask,
    Bytes enclaveHash,
    Bytes isvExtProdId,
    int isvProdId,
    int isvSvn,
    Bytes q1,
    Bytes q2,
    Bytes raw) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 1808;
  /** Size of the RSA modulus, signature, Q1 and Q2 in bytes (RSA-3072). */
  public static final int KEY_SIZE = 384;
  /** TYPE bit 31: the enclave was signed for debugging (Intel SDK). */
  public static final int TYPE_DEBUG = 0x80000000;
  /** VENDOR value of Intel-signed enclaves. */
  public static final long VENDOR_INTEL = 0x8086;
  /**
   * MRSIGNER of the publicly known test key (Intel's sample {@code Enclave1_private.pem}, also
   * Fortanix's {@code sig1} test key); enclaves signed with it have no signer identity
   * ({@code enclave-measurement.md} §3).
   */
  public static final String KNOWN_TEST_SIGNER_MRSIGNER_HEX =
      "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e";

  /** HEADER at 0: {@code 06000000 E1000000 00000100}. */
  private static final byte[] HEADER = {6, 0, 0, 0, (byte) 0xe1, 0, 0, 0, 0, 0, 1, 0};
  /** HEADER2 at 24: {@code 01010000 60000000 60000000 01000000}. */
  private static final byte[] HEADER2 = {1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0};

  static final int OFF_TYPE = 12;
  static final int OFF_VENDOR = 16;
  static final int OFF_DATE = 20;
  static final int OFF_HEADER2 = 24;
  static final int OFF_SWDEFINED = 40;
  static final int OFF_MODULUS = 128;
  static final int OFF_EXPONENT = 512;
  static final int OFF_SIGNATURE = 516;
  static final int OFF_MISCSELECT = 900;
  static final int OFF_MISCMASK = 904;
  static final int OFF_CET = 908;
  static final int OFF_CET_MASK = 909;
  static final int OFF_FAMILY = 912;
  static final int OFF_ATTRIBUTES = 928;
  static final int OFF_ATTRIBUTE_MASK = 944;
  static final int OFF_ENCLAVE_HASH = 960;
  static final int OFF_EXT_PROD = 1008;
  static final int OFF_PROD_ID = 1024;
  static final int OFF_ISVSVN = 1026;
  static final int OFF_Q1 = 1040;
  static final int OFF_Q2 = 1424;
  /** The signed message is bytes [0, 128) followed by [900, 1028) (§2.1). */
  static final int SIGNED_HEADER_END = 128;
  static final int SIGNED_BODY_START = 900;
  static final int SIGNED_BODY_END = 1028;

  /** Checks sizes and ranges, and that {@code raw} is the encoding of the other components. */
  public Sigstruct {
    checkLength("MODULUS", modulus, KEY_SIZE);
    checkLength("SIGNATURE", signature, KEY_SIZE);
    checkLength("ISVFAMILYID", isvFamilyId, 16);
    checkLength("ENCLAVEHASH", enclaveHash, 32);
    checkLength("ISVEXTPRODID", isvExtProdId, 16);
    checkLength("Q1", q1, KEY_SIZE);
    checkLength("Q2", q2, KEY_SIZE);
    checkLength("raw SIGSTRUCT", raw, SIZE);
    checkU32("VENDOR", vendor);
    checkU32("SWDEFINED", swDefined);
    checkU32("EXPONENT", exponent);
    checkU32("MISCSELECT", miscSelect);
    checkU32("MISCMASK", miscMask);
    checkRange("CET_ATTRIBUTES", cetAttributes, 0xff);
    checkRange("CET_ATTRIBUTES_MASK", cetAttributesMask, 0xff);
    checkRange("ISVPRODID", isvProdId, 0xffff);
    checkRange("ISVSVN", isvSvn, 0xffff);
    if ((type & ~TYPE_DEBUG) != 0) {
      throw new IllegalArgumentException(String.format("TYPE 0x%08x may only have bit 31 (debug) set", type));
    }
    byte[] expected = layout(type, vendor, date, swDefined, modulus.toByteArray(), exponent, signature.toByteArray(),
        miscSelect, miscMask, cetAttributes, cetAttributesMask, isvFamilyId.toByteArray(), attributes, attributeMask,
        enclaveHash.toByteArray(), isvExtProdId.toByteArray(), isvProdId, isvSvn, q1.toByteArray(), q2.toByteArray());
    if (!raw.equals(Bytes.of(expected))) {
      throw new IllegalArgumentException("raw SIGSTRUCT bytes do not match the field values");
    }
  }

  /** Parses exactly {@link #SIZE} bytes. */
  public static Sigstruct parse(Bytes bytes) throws MalformedInputException {
    if (bytes.length() != SIZE) {
      throw new MalformedInputException("SIGSTRUCT must be exactly " + SIZE + " bytes, got " + bytes.length());
    }
    ByteReader r = ByteReader.of(bytes);
    expect(r, HEADER, "HEADER", 0);
    int type = (int) r.u32("SIGSTRUCT.TYPE");
    if ((type & ~TYPE_DEBUG) != 0) {
      throw new MalformedInputException(String.format(
          "SIGSTRUCT.TYPE 0x%08x has bits other than bit 31 (debug signing) set", type));
    }
    long vendor = r.u32("SIGSTRUCT.VENDOR");
    int date = (int) r.u32("SIGSTRUCT.DATE");
    expect(r, HEADER2, "HEADER2", OFF_HEADER2);
    long swDefined = r.u32("SIGSTRUCT.SWDEFINED");
    r.zeros(OFF_MODULUS - 44, "SIGSTRUCT reserved");
    Bytes modulus = r.bytes(KEY_SIZE, "SIGSTRUCT.MODULUS");
    long exponent = r.u32("SIGSTRUCT.EXPONENT");
    Bytes signature = r.bytes(KEY_SIZE, "SIGSTRUCT.SIGNATURE");
    long miscSelect = r.u32("SIGSTRUCT.MISCSELECT");
    long miscMask = r.u32("SIGSTRUCT.MISCMASK");
    int cet = r.u8("SIGSTRUCT.CET_ATTRIBUTES");
    int cetMask = r.u8("SIGSTRUCT.CET_ATTRIBUTES_MASK");
    r.zeros(2, "SIGSTRUCT reserved");
    Bytes family = r.bytes(16, "SIGSTRUCT.ISVFAMILYID");
    Attributes attributes = new Attributes(r.u64("SIGSTRUCT.ATTRIBUTES"), r.u64("SIGSTRUCT.ATTRIBUTES.XFRM"));
    Attributes mask = new Attributes(r.u64("SIGSTRUCT.ATTRIBUTEMASK"), r.u64("SIGSTRUCT.ATTRIBUTEMASK.XFRM"));
    Bytes hash = r.bytes(32, "SIGSTRUCT.ENCLAVEHASH");
    r.zeros(16, "SIGSTRUCT reserved");
    Bytes ext = r.bytes(16, "SIGSTRUCT.ISVEXTPRODID");
    int prodId = r.u16("SIGSTRUCT.ISVPRODID");
    int isvSvn = r.u16("SIGSTRUCT.ISVSVN");
    r.zeros(12, "SIGSTRUCT reserved");
    Bytes q1 = r.bytes(KEY_SIZE, "SIGSTRUCT.Q1");
    Bytes q2 = r.bytes(KEY_SIZE, "SIGSTRUCT.Q2");
    r.expectEnd("SIGSTRUCT");
    return new Sigstruct(type, vendor, date, swDefined, modulus, exponent, signature, miscSelect, miscMask, cet,
        cetMask, family, attributes, mask, hash, ext, prodId, isvSvn, q1, q2, bytes);
  }

  /** Returns the 1808-byte encoding. */
  public Bytes toBytes() {
    return raw;
  }

  /** Returns true when TYPE bit 31 (debug signing) is set. */
  public boolean isDebugSigned() {
    return (type & TYPE_DEBUG) != 0;
  }

  /**
   * Returns DATE as ISO {@code YYYY-MM-DD} read from its BCD digits, or {@code "invalid BCD date
   * 0x…"} when a nibble is not a decimal digit.
   */
  public String dateIso() {
    String hex = String.format("%08x", date);
    for (int i = 0; i < hex.length(); i++) {
      if (!Character.isDigit(hex.charAt(i))) {
        return "invalid BCD date 0x" + hex;
      }
    }
    return hex.substring(0, 4) + "-" + hex.substring(4, 6) + "-" + hex.substring(6, 8);
  }

  /** Returns MRSIGNER: SHA-256 of the 384 modulus bytes exactly as stored (little-endian), §3. */
  public Bytes mrSigner() {
    return modulus.sha256();
  }

  /** Returns true when MRSIGNER is the publicly known test signer {@link #KNOWN_TEST_SIGNER_MRSIGNER_HEX}. */
  public boolean isKnownTestSigner() {
    return mrSigner().hex().equals(KNOWN_TEST_SIGNER_MRSIGNER_HEX);
  }

  /** Returns the 256 signed bytes: [0, 128) followed by [900, 1028) (§2.1 step 1). */
  public Bytes signedMessage() {
    return raw.slice(0, SIGNED_HEADER_END).concat(raw.slice(SIGNED_BODY_START, SIGNED_BODY_END));
  }

  /**
   * Checks the RSA signature (PKCS#1 v1.5, SHA-256, public exponent 3, the stored modulus), that
   * EXPONENT is 3, and Q1/Q2 (§2.1). Never throws: anything the RSA provider rejects counts as an
   * invalid signature.
   */
  public SigstructCheck verify() {
    byte[] modulusBe = Le.reverse(modulus.toByteArray());
    byte[] signatureBe = Le.reverse(signature.toByteArray());
    BigInteger m = new BigInteger(1, modulusBe);
    BigInteger s = new BigInteger(1, signatureBe);
    boolean sigOk = false;
    if (m.signum() > 0 && s.compareTo(m) < 0) {
      try {
        PublicKey key = RsaKeys.keyFactory().generatePublic(new RSAPublicKeySpec(m, BigInteger.valueOf(3)));
        Signature v = RsaKeys.sha256WithRsa();
        v.initVerify(key);
        v.update(signedMessage().toByteArray());
        sigOk = v.verify(signatureBe);
      } catch (GeneralSecurityException | RuntimeException e) {
        sigOk = false;
      }
    }
    boolean qOk = false;
    if (m.signum() > 0) {
      BigInteger[] q = quotients(s, m);
      qOk = q[0].equals(new BigInteger(1, Le.reverse(q1.toByteArray())))
          && q[1].equals(new BigInteger(1, Le.reverse(q2.toByteArray())));
    }
    return new SigstructCheck(sigOk, exponent == 3, qOk);
  }

  @Override
  public String toString() {
    return "Sigstruct[enclaveHash=" + enclaveHash + ", mrSigner=" + mrSigner() + ", isvProdId=" + isvProdId
        + ", isvSvn=" + isvSvn + ", date=" + dateIso() + ", attributes=" + attributes + ", mask=" + attributeMask
        + (isDebugSigned() ? ", debug-signed" : "") + "]";
  }

  /** Returns {Q1, Q2} = {floor(S²/M), floor(S·(S² mod M)/M)} (§2.1 step 4). */
  static BigInteger[] quotients(BigInteger s, BigInteger m) {
    BigInteger s2 = s.multiply(s);
    BigInteger[] qr = s2.divideAndRemainder(m);
    BigInteger q2 = s.multiply(qr[1]).divide(m);
    return new BigInteger[] {qr[0], q2};
  }

  /** Returns a value as exactly {@code n} little-endian bytes; it must fit. */
  static byte[] toLittleEndian(BigInteger v, int n) {
    byte[] be = v.toByteArray();
    int start = be.length > n && be[0] == 0 ? 1 : 0;
    if (be.length - start > n) {
      throw new IllegalArgumentException("value does not fit in " + n + " bytes");
    }
    byte[] out = new byte[n];
    for (int i = 0; i < be.length - start; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  /** Lays out all fields into 1808 bytes (reserved bytes zero). */
  static byte[] layout(int type, long vendor, int date, long swDefined, byte[] modulusLe, long exponent,
      byte[] signatureLe, long miscSelect, long miscMask, int cet, int cetMask, byte[] family, Attributes attributes,
      Attributes mask, byte[] enclaveHash, byte[] ext, int prodId, int isvSvn, byte[] q1Le, byte[] q2Le) {
    byte[] b = new byte[SIZE];
    System.arraycopy(HEADER, 0, b, 0, HEADER.length);
    Le.put32(b, OFF_TYPE, type);
    Le.put32(b, OFF_VENDOR, vendor);
    Le.put32(b, OFF_DATE, date);
    System.arraycopy(HEADER2, 0, b, OFF_HEADER2, HEADER2.length);
    Le.put32(b, OFF_SWDEFINED, swDefined);
    System.arraycopy(modulusLe, 0, b, OFF_MODULUS, KEY_SIZE);
    Le.put32(b, OFF_EXPONENT, exponent);
    System.arraycopy(signatureLe, 0, b, OFF_SIGNATURE, KEY_SIZE);
    Le.put32(b, OFF_MISCSELECT, miscSelect);
    Le.put32(b, OFF_MISCMASK, miscMask);
    b[OFF_CET] = (byte) cet;
    b[OFF_CET_MASK] = (byte) cetMask;
    System.arraycopy(family, 0, b, OFF_FAMILY, 16);
    Le.put64(b, OFF_ATTRIBUTES, attributes.flags());
    Le.put64(b, OFF_ATTRIBUTES + 8, attributes.xfrm());
    Le.put64(b, OFF_ATTRIBUTE_MASK, mask.flags());
    Le.put64(b, OFF_ATTRIBUTE_MASK + 8, mask.xfrm());
    System.arraycopy(enclaveHash, 0, b, OFF_ENCLAVE_HASH, 32);
    System.arraycopy(ext, 0, b, OFF_EXT_PROD, 16);
    Le.put16(b, OFF_PROD_ID, prodId);
    Le.put16(b, OFF_ISVSVN, isvSvn);
    System.arraycopy(q1Le, 0, b, OFF_Q1, KEY_SIZE);
    System.arraycopy(q2Le, 0, b, OFF_Q2, KEY_SIZE);
    return b;
  }

  private static void expect(ByteReader r, byte[] constant, String what, int at) throws MalformedInputException {
    byte[] got = r.bytes(constant.length, "SIGSTRUCT." + what).toByteArray();
    if (!Arrays.equals(got, constant)) {
      throw new MalformedInputException("SIGSTRUCT." + what + " at offset " + at + " is "
          + io.kubesgx.common.Hex.encode(got) + ", expected the constant " + io.kubesgx.common.Hex.encode(constant)
          + " (not a SIGSTRUCT?)");
    }
  }

  private static void checkLength(String what, Bytes b, int n) {
    if (b.length() != n) {
      throw new IllegalArgumentException(what + " must be " + n + " bytes, got " + b.length());
    }
  }

  private static void checkU32(String what, long v) {
    if (v < 0 || v > 0xffffffffL) {
      throw new IllegalArgumentException(what + " must fit in 32 bits unsigned, got " + v);
    }
  }

  private static void checkRange(String what, int v, int max) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException(what + " must be 0.." + max + ", got " + v);
    }
  }
}
