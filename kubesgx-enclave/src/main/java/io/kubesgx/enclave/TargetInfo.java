package io.kubesgx.enclave;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.internal.Le;

/**
 * TARGETINFO (512 bytes): the identity of the enclave an EREPORT is addressed to.
 *
 * <p>Layout from {@code enclave-measurement.md} §4.2 ({@code sgx_target_info_t}): MRENCLAVE at 0,
 * ATTRIBUTES at 32, reserved 48..49, CONFIGSVN at 50, MISCSELECT at 52, reserved 56..63, CONFIGID at
 * 64, reserved 128..511. {@link #parse} requires every reserved byte to be zero.
 *
 * @param mrEnclave the target's 32-byte MRENCLAVE
 * @param attributes the target's ATTRIBUTES
 * @param configSvn the target's CONFIGSVN (u16)
 * @param miscSelect the target's MISCSELECT (u32)
 * @param configId the target's 64-byte CONFIGID
 * @see <a href="https://github.com/intel/linux-sgx">sgx_target_info_t</a>
 */
public record TargetInfo(Bytes mrEnclave, Attributes attributes, int configSvn, long miscSelect, Bytes configId) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 512;

  /** Checks sizes and ranges. */
  public TargetInfo {
    if (mrEnclave.length() != 32) {
      throw new IllegalArgumentException("TARGETINFO.MRENCLAVE must be 32 bytes, got " + mrEnclave.length());
    }
    if (configId.length() != 64) {
      throw new IllegalArgumentException("TARGETINFO.CONFIGID must be 64 bytes, got " + configId.length());
    }
    if (configSvn < 0 || configSvn > 0xffff) {
      throw new IllegalArgumentException("TARGETINFO.CONFIGSVN must be 0..65535, got " + configSvn);
    }
    if (miscSelect < 0 || miscSelect > 0xffffffffL) {
      throw new IllegalArgumentException("TARGETINFO.MISCSELECT must fit in 32 bits unsigned, got " + miscSelect);
    }
    java.util.Objects.requireNonNull(attributes, "attributes");
  }

  /** Parses exactly {@link #SIZE} bytes; non-zero reserved bytes are rejected. */
  public static TargetInfo parse(Bytes bytes) throws MalformedInputException {
    if (bytes.length() != SIZE) {
      throw new MalformedInputException("TARGETINFO must be exactly " + SIZE + " bytes, got " + bytes.length());
    }
    ByteReader r = ByteReader.of(bytes);
    Bytes mrEnclave = r.bytes(32, "TARGETINFO.MRENCLAVE");
    Attributes attributes = new Attributes(r.u64("TARGETINFO.ATTRIBUTES"), r.u64("TARGETINFO.ATTRIBUTES.XFRM"));
    r.zeros(2, "TARGETINFO reserved");
    int configSvn = r.u16("TARGETINFO.CONFIGSVN");
    long miscSelect = r.u32("TARGETINFO.MISCSELECT");
    r.zeros(8, "TARGETINFO reserved");
    Bytes configId = r.bytes(64, "TARGETINFO.CONFIGID");
    r.zeros(384, "TARGETINFO reserved");
    r.expectEnd("TARGETINFO");
    return new TargetInfo(mrEnclave, attributes, configSvn, miscSelect, configId);
  }

  /** Returns the 512-byte encoding (reserved bytes zero). */
  public Bytes toBytes() {
    byte[] b = new byte[SIZE];
    System.arraycopy(mrEnclave.toByteArray(), 0, b, 0, 32);
    attributes.writeTo(b, 32);
    Le.put16(b, 50, configSvn);
    Le.put32(b, 52, miscSelect);
    System.arraycopy(configId.toByteArray(), 0, b, 64, 64);
    return Bytes.of(b);
  }
}
