package io.kubesgx.enclave.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.TargetInfo;

/**
 * The SECS fields of an initialised simulated enclave, as {@link SimCpu#einit} fills them
 * ({@code enclave-measurement.md} §4.4).
 *
 * @param mrEnclave MRENCLAVE (32 bytes)
 * @param mrSigner MRSIGNER (32 bytes)
 * @param attributes ATTRIBUTES (INIT is set after EINIT)
 * @param miscSelect MISCSELECT (u32)
 * @param isvProdId ISVPRODID (u16)
 * @param isvSvn ISVSVN (u16)
 * @param configId CONFIGID (64 bytes, KSS)
 * @param configSvn CONFIGSVN (u16, KSS)
 * @param isvFamilyId ISVFAMILYID (16 bytes, KSS)
 * @param isvExtProdId ISVEXTPRODID (16 bytes, KSS)
 */
public record SimEnclave(
    Bytes mrEnclave,
    Bytes mrSigner,
    Attributes attributes,
    long miscSelect,
    int isvProdId,
    int isvSvn,
    Bytes configId,
    int configSvn,
    Bytes isvFamilyId,
    Bytes isvExtProdId) {

  /** Checks sizes and ranges. */
  public SimEnclave {
    length("MRENCLAVE", mrEnclave, 32);
    length("MRSIGNER", mrSigner, 32);
    length("CONFIGID", configId, 64);
    length("ISVFAMILYID", isvFamilyId, 16);
    length("ISVEXTPRODID", isvExtProdId, 16);
    java.util.Objects.requireNonNull(attributes, "attributes");
    if (miscSelect < 0 || miscSelect > 0xffffffffL) {
      throw new IllegalArgumentException("MISCSELECT must fit in 32 bits unsigned, got " + miscSelect);
    }
    u16("ISVPRODID", isvProdId);
    u16("ISVSVN", isvSvn);
    u16("CONFIGSVN", configSvn);
  }

  /** Returns the TARGETINFO other enclaves use to address reports to this one. */
  public TargetInfo targetInfo() {
    return new TargetInfo(mrEnclave, attributes, configSvn, miscSelect, configId);
  }

  private static void length(String what, Bytes b, int n) {
    if (b.length() != n) {
      throw new IllegalArgumentException(what + " must be " + n + " bytes, got " + b.length());
    }
  }

  private static void u16(String what, int v) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException(what + " must be 0..65535, got " + v);
    }
  }
}
