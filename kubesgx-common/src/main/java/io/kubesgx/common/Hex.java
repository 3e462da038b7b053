package io.kubesgx.common;

/** Strict hex encoding and decoding. */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /** Encodes to lower-case hex. */
  public static String encode(byte[] data) {
    char[] out = new char[data.length * 2];
    for (int i = 0; i < data.length; i++) {
      out[2 * i] = DIGITS[(data[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[data[i] & 0xf];
    }
    return new String(out);
  }

  /** Decodes hex of either case; rejects odd lengths and non-hex characters. */
  public static byte[] decode(CharSequence hex) throws MalformedInputException {
    int n = hex.length();
    if ((n & 1) != 0) {
      throw new MalformedInputException("hex string has odd length " + n);
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < n; i += 2) {
      int hi = Character.digit(hex.charAt(i), 16);
      int lo = Character.digit(hex.charAt(i + 1), 16);
      if (hi < 0 || lo < 0 || hex.charAt(i) > 0x7f || hex.charAt(i + 1) > 0x7f) {
        throw new MalformedInputException("non-hex character at position " + (hi < 0 ? i : i + 1));
      }
      out[i / 2] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /**
   * Decodes hex text as found in files: surrounding and embedded whitespace is ignored and an
   * optional {@code 0x} prefix is stripped.
   */
  public static byte[] decodeLenientText(CharSequence text) throws MalformedInputException {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isWhitespace(c)) {
        sb.append(c);
      }
    }
    if (sb.length() >= 2 && sb.charAt(0) == '0' && (sb.charAt(1) == 'x' || sb.charAt(1) == 'X')) {
      sb.delete(0, 2);
    }
    return decode(sb);
  }

  /** Returns true when the text is non-empty and consists only of hex digits, whitespace and an optional 0x prefix. */
  public static boolean looksLikeHexText(byte[] data) {
    int digits = 0;
    int start = 0;
    while (start < data.length && Character.isWhitespace(data[start])) {
      start++;
    }
    if (start + 1 < data.length && data[start] == '0' && (data[start + 1] == 'x' || data[start + 1] == 'X')) {
      start += 2;
    }
    for (int i = start; i < data.length; i++) {
      int c = data[i] & 0xff;
      if (Character.digit(c, 16) >= 0 && c < 0x80) {
        digits++;
      } else if (!Character.isWhitespace(c)) {
        return false;
      }
    }
    return digits > 0;
  }
}
