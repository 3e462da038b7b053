package io.kubesgx.enclave;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.internal.Le;

/**
 * KEYREQUEST (512 bytes): which key EGETKEY should derive and with which policy.
 *
 * <p>Layout from {@code enclave-measurement.md} §4.3 ({@code sgx_key_request_t}): KEYNAME at 0,
 * KEYPOLICY at 2, ISVSVN at 4, reserved 6..7, CPUSVN at 8, ATTRIBUTEMASK at 24, KEYID at 40, MISCMASK
 * at 72, CONFIGSVN at 76, reserved 78..511. Parsing keeps the reserved bytes ({@link #reserved()},
 * bytes 6..7 followed by 78..511) because EGETKEY, not the parser, faults on non-zero ones.
 *
 * @param keyName KEYNAME, one of the {@code KEYNAME_*} constants (u16)
 * @param keyPolicy KEYPOLICY, a combination of {@code POLICY_*} bits (u16)
 * @param isvSvn ISVSVN the key is derived for (u16)
 * @param cpuSvn CPUSVN the key is derived for (16 bytes)
 * @param attributeMask which ATTRIBUTES bits go into the key
 * @param keyId KEYID (32 bytes)
 * @param miscMask which MISCSELECT bits go into the key (u32)
 * @param configSvn CONFIGSVN the key is derived for (u16, KSS)
 * @param reserved the 436 reserved bytes (6..7 then 78..511) exactly as given
 * @see <a href="https://github.com/intel/linux-sgx">sgx_key_request_t</a>
 */
public record KeyRequest(
    int keyName,
    int keyPolicy,
    int isvSvn,
    Bytes cpuSvn,
    Attributes attributeMask,
    Bytes keyId,
    long miscMask,
    int configSvn,
    Bytes reserved) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 512;
  /** Number of reserved bytes kept in {@link #reserved()}. */
  public static final int RESERVED_SIZE = 2 + 434;
  /** KEYNAME of the launch-token key. */
  public static final int KEYNAME_EINITTOKEN = 0;
  /** KEYNAME of the provisioning key. */
  public static final int KEYNAME_PROVISION = 1;
  /** KEYNAME of the provisioning seal key. */
  public static final int KEYNAME_PROVISION_SEAL = 2;
  /** KEYNAME of the report key. */
  public static final int KEYNAME_REPORT = 3;
  /** KEYNAME of the seal key. */
  public static final int KEYNAME_SEAL = 4;
  /** KEYPOLICY bit: derive from MRENCLAVE. */
  public static final int POLICY_MRENCLAVE = 0x1;
  /** KEYPOLICY bit: derive from MRSIGNER. */
  public static final int POLICY_MRSIGNER = 0x2;
  /** KEYPOLICY bit: leave ISVPRODID out of the key (KSS). */
  public static final int POLICY_NOISVPRODID = 0x4;
  /** KEYPOLICY bit: derive from CONFIGID and CONFIGSVN (KSS). */
  public static final int POLICY_CONFIGID = 0x8;
  /** KEYPOLICY bit: derive from ISVFAMILYID (KSS). */
  public static final int POLICY_ISVFAMILYID = 0x10;
  /** KEYPOLICY bit: derive from ISVEXTPRODID (KSS). */
  public static final int POLICY_ISVEXTPRODID = 0x20;

  /** Checks sizes and ranges. */
  public KeyRequest {
    u16("KEYNAME", keyName);
    u16("KEYPOLICY", keyPolicy);
    u16("ISVSVN", isvSvn);
    u16("CONFIGSVN", configSvn);
    if (cpuSvn.length() != 16) {
      throw new IllegalArgumentException("KEYREQUEST.CPUSVN must be 16 bytes, got " + cpuSvn.length());
    }
    if (keyId.length() != 32) {
      throw new IllegalArgumentException("KEYREQUEST.KEYID must be 32 bytes, got " + keyId.length());
    }
    if (reserved.length() != RESERVED_SIZE) {
      throw new IllegalArgumentException("KEYREQUEST reserved bytes must be " + RESERVED_SIZE + ", got " + reserved.length());
    }
    if (miscMask < 0 || miscMask > 0xffffffffL) {
      throw new IllegalArgumentException("KEYREQUEST.MISCMASK must fit in 32 bits unsigned, got " + miscMask);
    }
    java.util.Objects.requireNonNull(attributeMask, "attributeMask");
  }

  /** Creates a request whose reserved bytes are all zero. */
  public KeyRequest(int keyName, int keyPolicy, int isvSvn, Bytes cpuSvn, Attributes attributeMask, Bytes keyId,
      long miscMask, int configSvn) {
    this(keyName, keyPolicy, isvSvn, cpuSvn, attributeMask, keyId, miscMask, configSvn, Bytes.zeros(RESERVED_SIZE));
  }

  /** Parses exactly {@link #SIZE} bytes; reserved bytes are kept, not checked. */
  public static KeyRequest parse(Bytes bytes) throws MalformedInputException {
    if (bytes.length() != SIZE) {
      throw new MalformedInputException("KEYREQUEST must be exactly " + SIZE + " bytes, got " + bytes.length());
    }
    ByteReader r = ByteReader.of(bytes);
    int keyName = r.u16("KEYREQUEST.KEYNAME");
    int keyPolicy = r.u16("KEYREQUEST.KEYPOLICY");
    int isvSvn = r.u16("KEYREQUEST.ISVSVN");
    Bytes reserved1 = r.bytes(2, "KEYREQUEST reserved bytes 6..7");
    Bytes cpuSvn = r.bytes(16, "KEYREQUEST.CPUSVN");
    Attributes mask = new Attributes(r.u64("KEYREQUEST.ATTRIBUTEMASK"), r.u64("KEYREQUEST.ATTRIBUTEMASK.XFRM"));
    Bytes keyId = r.bytes(32, "KEYREQUEST.KEYID");
    long miscMask = r.u32("KEYREQUEST.MISCMASK");
    int configSvn = r.u16("KEYREQUEST.CONFIGSVN");
    Bytes reserved2 = r.bytes(434, "KEYREQUEST reserved bytes 78..511");
    r.expectEnd("KEYREQUEST");
    return new KeyRequest(keyName, keyPolicy, isvSvn, cpuSvn, mask, keyId, miscMask, configSvn,
        reserved1.concat(reserved2));
  }

  /** Returns true when any reserved byte is non-zero (EGETKEY faults on such a request). */
  public boolean hasNonZeroReserved() {
    return !reserved.isAllZero();
  }

  /** Returns the 512-byte encoding, reserved bytes as kept. */
  public Bytes toBytes() {
    byte[] b = new byte[SIZE];
    byte[] res = reserved.toByteArray();
    Le.put16(b, 0, keyName);
    Le.put16(b, 2, keyPolicy);
    Le.put16(b, 4, isvSvn);
    b[6] = res[0];
    b[7] = res[1];
    System.arraycopy(cpuSvn.toByteArray(), 0, b, 8, 16);
    attributeMask.writeTo(b, 24);
    System.arraycopy(keyId.toByteArray(), 0, b, 40, 32);
    Le.put32(b, 72, miscMask);
    Le.put16(b, 76, configSvn);
    System.arraycopy(res, 2, b, 78, 434);
    return Bytes.of(b);
  }

  private static void u16(String what, int v) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException("KEYREQUEST." + what + " must be 0..65535, got " + v);
    }
  }
}
