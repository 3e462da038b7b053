package io.kubesgx.webhook.pod;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * Bounded parser for Kubernetes resource quantities ({@code 10Mi}, {@code 512Ki}, {@code 1.5G},
 * {@code 1e3}, {@code 100m}).
 *
 * <p>Untrusted input: the text is limited to {@link #MAX_LENGTH} characters and decimal exponents
 * to ±{@link #MAX_EXPONENT}, so no value ever needs a large allocation.
 */
public final class Quantities {
  /** Longest accepted quantity text. */
  public static final int MAX_LENGTH = 64;
  /** Largest accepted decimal exponent magnitude. */
  public static final int MAX_EXPONENT = 30;

  private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
      Map.entry("", BigDecimal.ONE),
      Map.entry("n", new BigDecimal("1e-9")),
      Map.entry("u", new BigDecimal("1e-6")),
      Map.entry("m", new BigDecimal("1e-3")),
      Map.entry("k", new BigDecimal("1e3")),
      Map.entry("M", new BigDecimal("1e6")),
      Map.entry("G", new BigDecimal("1e9")),
      Map.entry("T", new BigDecimal("1e12")),
      Map.entry("P", new BigDecimal("1e15")),
      Map.entry("E", new BigDecimal("1e18")),
      Map.entry("Ki", BigDecimal.valueOf(1L << 10)),
      Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
      Map.entry("Gi", BigDecimal.valueOf(1L << 30)),
      Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
      Map.entry("Pi", BigDecimal.valueOf(1L << 50)),
      Map.entry("Ei", BigDecimal.valueOf(1L << 60)));

  private Quantities() {}

  /** Parses a quantity, or returns empty when the text is not one. */
  public static Optional<BigDecimal> parse(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    int i = 0;
    int n = text.length();
    if (text.charAt(0) == '+' || text.charAt(0) == '-') {
      i++;
    }
    int digitsStart = i;
    boolean dot = false;
    int digits = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if (c == '.' && !dot) {
        dot = true;
      } else {
        break;
      }
      i++;
    }
    if (digits == 0) {
      return Optional.empty();
    }
    BigDecimal number = new BigDecimal(text.substring(digitsStart, i));
    if (text.charAt(0) == '-') {
      number = number.negate();
    }
    String suffix = text.substring(i);
    BigDecimal multiplier = SUFFIXES.get(suffix);
    if (multiplier == null) {
      if (suffix.length() < 2 || (suffix.charAt(0) != 'e' && suffix.charAt(0) != 'E')) {
        return Optional.empty();
      }
      String exp = suffix.substring(1);
      if (!exp.matches("[+-]?[0-9]{1,3}")) {
        return Optional.empty();
      }
      int e = Integer.parseInt(exp);
      if (Math.abs(e) > MAX_EXPONENT) {
        return Optional.empty();
      }
      multiplier = BigDecimal.ONE.scaleByPowerOfTen(e);
    }
    return Optional.of(number.multiply(multiplier));
  }

  /** Returns whether the value is a whole number. */
  public static boolean isIntegral(BigDecimal v) {
    return v.signum() == 0 || v.stripTrailingZeros().scale() <= 0;
  }

  /**
   * Formats a byte count the way Kubernetes prints binary-SI quantities: the largest of
   * {@code Ei, Pi, Ti, Gi, Mi, Ki} that divides it exactly, else plain bytes.
   */
  public static String formatBinary(long bytes) {
    String[] suffix = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
    int[] shift = {60, 50, 40, 30, 20, 10};
    if (bytes != 0) {
      for (int k = 0; k < suffix.length; k++) {
        long unit = 1L << shift[k];
        if (bytes % unit == 0) {
          return (bytes / unit) + suffix[k];
        }
      }
    }
    return Long.toString(bytes);
  }
}
