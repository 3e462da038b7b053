package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parser for the misc cgroup's flat-keyed files ({@code misc.capacity}, {@code misc.max},
 * {@code misc.current}).
 *
 * <p>Each line is {@code <resource> <value>} where value is a decimal number or {@code max}
 * (Linux {@code Documentation/admin-guide/cgroup-v2.rst}, "Misc"); SGX EPC is the resource {@code
 * sgx_epc}, in bytes, on kernels that carry the SGX EPC misc-cgroup controller.
 */
public final class MiscCgroupFile {
  /** The misc cgroup resource name for SGX EPC. */
  public static final String SGX_EPC = "sgx_epc";
  /** Value stored for the literal {@code max}. */
  public static final long MAX = Long.MAX_VALUE;

  private static final int MAX_CHARS = 64 * 1024;

  private MiscCgroupFile() {}

  /**
   * Parses the file into resource → value ({@link #MAX} for {@code max}).
   *
   * @throws MalformedInputException on a line that is not {@code name value}, or a duplicate name
   */
  public static Map<String, Long> parse(String text) throws MalformedInputException {
    if (text.length() > MAX_CHARS) {
      throw new MalformedInputException("misc cgroup file: too large");
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      int sp = line.indexOf(' ');
      if (sp <= 0 || sp != line.lastIndexOf(' ')) {
        throw new MalformedInputException("misc cgroup file: bad line");
      }
      String name = line.substring(0, sp);
      String value = line.substring(sp + 1);
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
          throw new MalformedInputException("misc cgroup file: bad resource name");
        }
      }
      long v = value.equals("max") ? MAX : SysfsNumber.parse(value, "misc cgroup " + name);
      if (out.put(name, v) != null) {
        throw new MalformedInputException("misc cgroup file: duplicate resource " + name);
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
