package io.kubesgx.collateral;

import io.kubesgx.collateral.internal.Encodings;
import io.kubesgx.common.MalformedInputException;

/** Package-private checks shared by the signed-object factories. */
final class Signed {
  private Signed() {}

  /**
   * Requires the signed text to be within the size limit, to start with '{' and end with '}' (no
   * surrounding whitespace, which would be part of neither Intel's signed bytes nor the object) and
   * to survive UTF-8 encoding unchanged.
   */
  static void checkSignedText(String text, String what) throws MalformedInputException {
    Encodings.checkSize(text.length(), Encodings.MAX_ITEM, what);
    if (text.isEmpty() || text.charAt(0) != '{' || text.charAt(text.length() - 1) != '}') {
      throw new MalformedInputException(
          what + ": signed text must be exactly one JSON object, starting with '{' and ending with '}'");
    }
    Encodings.requireWellFormedUtf16(text, what);
  }
}
