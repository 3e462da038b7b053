package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;

/**
 * SGX-related CPU flags from {@code /proc/cpuinfo}.
 *
 * <p>The kernel shows {@code sgx} (CPUID.7.0:EBX[2]) and {@code sgx_lc} (CPUID.7.0:ECX[30]) but
 * never the SGX1 or SGX2 leaves (kubernetes-sgx.md §6.3).
 *
 * @param sgx the {@code sgx} flag is present on the first processor
 * @param sgxLc the {@code sgx_lc} (flexible launch control) flag is present
 * @param logicalCpus number of {@code processor} entries
 */
public record CpuFlags(boolean sgx, boolean sgxLc, int logicalCpus) {
  /** Largest cpuinfo text accepted (large hosts have about 2 KiB per logical CPU). */
  public static final int MAX_CHARS = 16 * 1024 * 1024;

  /**
   * Parses {@code /proc/cpuinfo}.
   *
   * @throws MalformedInputException if the text is too large, or has processor entries but no
   *     {@code flags} line (an x86 kernel always prints one)
   */
  public static CpuFlags parse(String text) throws MalformedInputException {
    if (text.length() > MAX_CHARS) {
      throw new MalformedInputException("cpuinfo: larger than " + MAX_CHARS + " characters");
    }
    int processors = 0;
    String flags = null;
    for (String line : text.split("\n", -1)) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).strip();
      if (key.equals("processor")) {
        processors++;
      } else if (key.equals("flags") && flags == null) {
        flags = line.substring(colon + 1);
      }
    }
    if (flags == null) {
      if (processors > 0) {
        throw new MalformedInputException("cpuinfo: " + processors + " processors but no flags line");
      }
      throw new MalformedInputException("cpuinfo: no processor entries");
    }
    boolean sgx = false;
    boolean lc = false;
    for (String f : flags.strip().split("[ \t]+")) {
      if (f.equals("sgx")) {
        sgx = true;
      } else if (f.equals("sgx_lc")) {
        lc = true;
      }
    }
    return new CpuFlags(sgx, lc, processors);
  }
}
