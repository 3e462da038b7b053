package io.kubesgx.status;

/** Saturating EPC arithmetic: a hostile or absurd quantity caps at {@link Long#MAX_VALUE}, never wraps. */
public final class Quantities {
  /** One mebibyte. */
  public static final long MIB = 1024L * 1024L;

  private Quantities() {}

  /** {@code mib * 1 MiB}, saturating. */
  public static long mibToBytes(long mib) {
    return mib > Long.MAX_VALUE / MIB ? Long.MAX_VALUE : mib * MIB;
  }

  /** {@code a + b}, saturating. */
  public static long add(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /** Bytes as {@code 94 MiB}, {@code 1.5 MiB}, {@code 2.0 GiB} or {@code 512 B}. */
  public static String human(long bytes) {
    if (bytes < 0) {
      return "-" + human(-Math.max(bytes, -Long.MAX_VALUE));
    }
    if (bytes < 1024 * 1024) {
      return bytes % 1024 == 0 && bytes > 0 ? (bytes / 1024) + " KiB" : bytes + " B";
    }
    if (bytes < 1024L * MIB) {
      return bytes % MIB == 0 ? (bytes / MIB) + " MiB" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
    return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1024L * MIB));
  }
}
