package io.kubesgx.nodeagent.discovery;

import java.util.Locale;

/** Parses byte sizes written as Kubernetes quantities ({@code 128Mi}, {@code 1Gi}, {@code 4096}). */
public final class Sizes {
  /** One mebibyte. */
  public static final long MIB = 1024L * 1024L;

  private Sizes() {}

  /**
   * Parses a non-negative size with an optional binary ({@code Ki Mi Gi Ti}) or decimal ({@code k
   * M G T}) suffix.
   *
   * @throws IllegalArgumentException if the text is not such a size or overflows
   */
  public static long parse(String text) {
    String s = text.strip();
    long mult = 1;
    String[][] suffixes = {
      {"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
      {"k", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}
    };
    for (String[] sfx : suffixes) {
      if (s.endsWith(sfx[0])) {
        mult = Long.parseLong(sfx[1]);
        s = s.substring(0, s.length() - sfx[0].length());
        break;
      }
    }
    if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9') || s.length() > 19) {
      throw new IllegalArgumentException("not a size: '" + text + "' (examples: 128Mi, 1Gi, 4096)");
    }
    try {
      return Math.multiplyExact(Long.parseLong(s), mult);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("size too large: " + text, e);
    }
  }

  /** Formats bytes as the largest exact binary unit ({@code 94Mi}) or plain bytes. */
  public static String format(long bytes) {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    long[] mults = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= mults[i] && bytes % mults[i] == 0) {
        return (bytes / mults[i]) + units[i];
      }
    }
    return Long.toString(bytes);
  }

  /** Returns a lower-case name for logs. */
  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
