package io.kubesgx.nodeagent.discovery;

import io.kubesgx.common.MalformedInputException;

/** Strict parser for the one-number files of sysfs and cgroupfs. */
public final class SysfsNumber {
  private SysfsNumber() {}

  /**
   * Parses one unsigned decimal number followed by at most one newline.
   *
   * @throws MalformedInputException on anything else, including values above {@link Long#MAX_VALUE}
   */
  public static long parse(String text, String what) throws MalformedInputException {
    String s = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    if (s.isEmpty()) {
      throw new MalformedInputException(what + ": empty");
    }
    if (s.length() > 19) {
      throw new MalformedInputException(what + ": number too long");
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new MalformedInputException(what + ": not a decimal number");
      }
      if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
        throw new MalformedInputException(what + ": number too large");
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
