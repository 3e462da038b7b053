package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

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
  /** Longest line accepted (a {@code flags} line is about 1.5 KiB). */
  public static final int MAX_LINE = 64 * 1024;

  /**
   * Parses {@code /proc/cpuinfo}.
   *
   * @throws MalformedInputException if the text is too large, has a line longer than {@link
   *     #MAX_LINE}, or has processor entries but no {@code flags} line (an x86 kernel always prints
   *     one)
   */
  public static CpuFlags parse(String text) throws MalformedInputException {
    if (text.length() > MAX_CHARS) {
      throw new MalformedInputException("cpuinfo: larger than " + MAX_CHARS + " characters");
    }
    Scan scan = new Scan();
    for (String line : text.split("\n", -1)) {
      if (line.length() > MAX_LINE) {
        throw new MalformedInputException("cpuinfo: a line longer than " + MAX_LINE + " characters");
      }
      scan.line(line);
    }
    return scan.result();
  }

  /**
   * Reads {@code /proc/cpuinfo} from {@code in} line by line, holding one line at a time: memory
   * stays at {@link #MAX_LINE} whatever the stream's size; at most {@link #MAX_CHARS} bytes are read.
   *
   * @throws MalformedInputException as {@link #parse(String)}, and when the stream is longer than
   *     {@link #MAX_CHARS} bytes
   * @throws IOException when reading fails
   */
  public static CpuFlags read(InputStream in) throws IOException, MalformedInputException {
    Scan scan = new Scan();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > MAX_CHARS) {
        throw new MalformedInputException("cpuinfo: larger than " + MAX_CHARS + " bytes");
      }
      int from = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          appendLine(line, buf, from, i - from);
          scan.line(line.toString(StandardCharsets.UTF_8));
          line.reset();
          from = i + 1;
        }
      }
      appendLine(line, buf, from, n - from);
    }
    scan.line(line.toString(StandardCharsets.UTF_8));
    return scan.result();
  }

  private static void appendLine(ByteArrayOutputStream line, byte[] buf, int from, int len)
      throws MalformedInputException {
    if (line.size() + len > MAX_LINE) {
      throw new MalformedInputException("cpuinfo: a line longer than " + MAX_LINE + " bytes");
    }
    line.write(buf, from, len);
  }

  /** The state of one pass over the lines. */
  private static final class Scan {
    private int processors;
    private String flags;

    void line(String line) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        return;
      }
      String key = line.substring(0, colon).strip();
      if (key.equals("processor")) {
        processors++;
      } else if (key.equals("flags") && flags == null) {
        flags = line.substring(colon + 1);
      }
    }

    CpuFlags result() throws MalformedInputException {
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
}
