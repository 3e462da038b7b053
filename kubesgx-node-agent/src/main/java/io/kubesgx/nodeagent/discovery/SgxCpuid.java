package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.MalformedInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * SGX capabilities decoded from CPUID leaf 7 sub-leaf 0 and leaf 0x12.
 *
 * <p>Layout (kubernetes-sgx.md §6.1, Intel SDM vol. 2A "CPUID—Leaf 12H"): leaf 7.0 EBX bit 2 is
 * SGX, ECX bit 30 is SGX launch control; leaf 0x12.0 EAX bit 0/1 is SGX1/SGX2, EDX bits 7:0 and
 * 15:8 the log2 maximum enclave size outside/inside 64-bit mode; sub-leaves 2..9 describe EPC
 * sections (type in EAX bits 3:0, 0 = end, 1 = valid; base and size split over two registers).
 *
 * @param sgx CPUID.7.0:EBX[2]
 * @param launchControl CPUID.7.0:ECX[30] (flexible launch control)
 * @param sgx1 CPUID.12.0:EAX[0]
 * @param sgx2 CPUID.12.0:EAX[1]
 * @param maxEnclaveSizeLog2 CPUID.12.0:EDX[15:8]
 * @param sections valid EPC sections in sub-leaf order
 */
public record SgxCpuid(
    boolean sgx,
    boolean launchControl,
    boolean sgx1,
    boolean sgx2,
    int maxEnclaveSizeLog2,
    List<EpcSection> sections) {

  /** Size of one CPUID answer: EAX, EBX, ECX, EDX as little-endian u32. */
  public static final int REGISTERS_SIZE = 16;
  /** First sub-leaf of leaf 0x12 that describes an EPC section. */
  public static final int FIRST_EPC_SUBLEAF = 2;
  /** Most EPC sections scanned (sub-leaves 2..9), as Linux does. */
  public static final int MAX_EPC_SECTIONS = 8;

  /** Copies the section list. */
  public SgxCpuid {
    sections = List.copyOf(sections);
  }

  /** Returns the sum of all EPC section sizes in bytes. */
  public long totalEpcBytes() {
    long total = 0;
    for (EpcSection s : sections) {
      total += s.size();
    }
    return total;
  }

  /**
   * Parses a dump: leaf 7.0 registers, then leaf 0x12 sub-leaves 0, 1, 2, … (16 bytes each).
   *
   * <p>The dump may stop after the first section of type 0, or after sub-leaf 9; when leaf 7 says
   * there is no SGX only the leaf-7 record is required.
   *
   * @throws MalformedInputException if the dump is not a whole number of records, is too short,
   *     or contains a section type other than 0 or 1
   */
  public static SgxCpuid parse(byte[] dump) throws MalformedInputException {
    if (dump.length % REGISTERS_SIZE != 0) {
      throw new MalformedInputException(
          "cpuid: dump of " + dump.length + " bytes is not a multiple of " + REGISTERS_SIZE);
    }
    int maxRecords = 1 + FIRST_EPC_SUBLEAF + MAX_EPC_SECTIONS;
    if (dump.length / REGISTERS_SIZE > maxRecords) {
      throw new MalformedInputException("cpuid: more than " + maxRecords + " records");
    }
    ByteReader r = ByteReader.of(dump);
    r.u32("cpuid.7.0.eax");
    long ebx7 = r.u32("cpuid.7.0.ebx");
    long ecx7 = r.u32("cpuid.7.0.ecx");
    r.u32("cpuid.7.0.edx");
    boolean sgx = (ebx7 & (1L << 2)) != 0;
    boolean lc = (ecx7 & (1L << 30)) != 0;
    if (!sgx && r.remaining() == 0) {
      return new SgxCpuid(false, lc, false, false, 0, List.of());
    }
    long eax0 = r.u32("cpuid.12.0.eax");
    r.u32("cpuid.12.0.ebx");
    r.u32("cpuid.12.0.ecx");
    long edx0 = r.u32("cpuid.12.0.edx");
    r.bytes(REGISTERS_SIZE, "cpuid.12.1");
    List<EpcSection> sections = new ArrayList<>();
    for (int i = 0; i < MAX_EPC_SECTIONS && r.remaining() > 0; i++) {
      long eax = r.u32("cpuid.12." + (i + 2) + ".eax");
      long ebx = r.u32("cpuid.12." + (i + 2) + ".ebx");
      long ecx = r.u32("cpuid.12." + (i + 2) + ".ecx");
      long edx = r.u32("cpuid.12." + (i + 2) + ".edx");
      int type = (int) (eax & 0xf);
      if (type == 0) {
        break;
      }
      if (type != 1) {
        throw new MalformedInputException(
            "cpuid: unknown EPC section type " + type + " at sub-leaf " + (i + 2));
      }
      long base = (eax & 0xFFFFF000L) | (ebx & 0x000FFFFFL) << 32;
      long size = (ecx & 0xFFFFF000L) | (edx & 0x000FFFFFL) << 32;
      sections.add(new EpcSection(i, base, size));
    }
    return new SgxCpuid(
        sgx, lc, (eax0 & 1) != 0, (eax0 & 2) != 0, (int) ((edx0 >> 8) & 0xff), sections);
  }
}
