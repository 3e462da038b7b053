package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The decoded Intel SGX extension of a PCK certificate (dcap-verification.md §3.3), validated at
 * construction.
 *
 * @param ppid {@code .1} PPID, 16 bytes
 * @param tcbComponents {@code .2.1}–{@code .2.16} SGX TCB component SVNs, 16 values in 0..255
 * @param pceSvn {@code .2.17} PCESVN, 0..65535
 * @param cpuSvn {@code .2.18} CPUSVN, 16 bytes
 * @param pceId {@code .3} PCE-ID, 2 bytes
 * @param fmspc {@code .4} FMSPC, 6 bytes
 * @param sgxType {@code .5} SGX type
 * @param platformInstanceId {@code .6} platform instance ID, 16 bytes (Platform CA only)
 * @param configuration {@code .7} platform configuration (Platform CA only)
 */
public record SgxExtensions(
    Bytes ppid,
    List<Integer> tcbComponents,
    int pceSvn,
    Bytes cpuSvn,
    Bytes pceId,
    Bytes fmspc,
    SgxType sgxType,
    Optional<Bytes> platformInstanceId,
    Optional<PlatformConfiguration> configuration) {

  /** Number of SGX TCB components. */
  public static final int TCB_COMPONENT_COUNT = 16;
  /** Size of PPID, CPUSVN and platform instance ID in bytes. */
  public static final int ID16_SIZE = 16;
  /** Size of PCE-ID in bytes. */
  public static final int PCE_ID_SIZE = 2;
  /** Size of FMSPC in bytes. */
  public static final int FMSPC_SIZE = 6;

  /** Validates sizes and ranges; throws {@link IllegalArgumentException} when violated. */
  public SgxExtensions {
    Objects.requireNonNull(ppid, "ppid");
    Objects.requireNonNull(tcbComponents, "tcbComponents");
    Objects.requireNonNull(cpuSvn, "cpuSvn");
    Objects.requireNonNull(pceId, "pceId");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(sgxType, "sgxType");
    Objects.requireNonNull(platformInstanceId, "platformInstanceId");
    Objects.requireNonNull(configuration, "configuration");
    tcbComponents = List.copyOf(tcbComponents);
    requireSize("ppid", ppid, ID16_SIZE);
    requireSize("cpuSvn", cpuSvn, ID16_SIZE);
    requireSize("pceId", pceId, PCE_ID_SIZE);
    requireSize("fmspc", fmspc, FMSPC_SIZE);
    platformInstanceId.ifPresent(id -> requireSize("platformInstanceId", id, ID16_SIZE));
    if (tcbComponents.size() != TCB_COMPONENT_COUNT) {
      throw new IllegalArgumentException(
          "expected " + TCB_COMPONENT_COUNT + " TCB components, got " + tcbComponents.size());
    }
    for (int c : tcbComponents) {
      if (c < 0 || c > 255) {
        throw new IllegalArgumentException("TCB component SVN out of range: " + c);
      }
    }
    if (pceSvn < 0 || pceSvn > 0xffff) {
      throw new IllegalArgumentException("PCESVN out of range: " + pceSvn);
    }
  }

  /** Returns true when CPUSVN equals the 16 TCB component SVNs read as bytes (true in all real data). */
  public boolean cpuSvnMatchesComponents() {
    for (int i = 0; i < TCB_COMPONENT_COUNT; i++) {
      if (cpuSvn.get(i) != tcbComponents.get(i)) {
        return false;
      }
    }
    return true;
  }

  private static void requireSize(String name, Bytes value, int size) {
    if (value.length() != size) {
      throw new IllegalArgumentException(
          name + " must be " + size + " bytes, got " + value.length());
    }
  }
}
