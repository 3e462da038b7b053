package io.kubesgx.common;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Strict PEM decoding: only PEM blocks (and whitespace or trailing NULs) are allowed. */
public final class Pem {
  private Pem() {}

  /** A decoded PEM block. */
  public record Block(String label, Bytes der) {}

  /**
   * Decodes every PEM block in {@code text}. Whitespace and NUL bytes between and after blocks are
   * allowed; any other text outside a block is rejected.
   */
  public static List<Block> decodeAll(String text) throws MalformedInputException {
    List<Block> out = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (true) {
      while (i < n && (Character.isWhitespace(text.charAt(i)) || text.charAt(i) == '\0')) {
        i++;
      }
      if (i >= n) {
        break;
      }
      if (!text.startsWith("-----BEGIN ", i)) {
        throw new MalformedInputException("unexpected text outside a PEM block at character " + i);
      }
      int labelStart = i + 11;
      int labelEnd = text.indexOf("-----", labelStart);
      if (labelEnd < 0) {
        throw new MalformedInputException("unterminated PEM BEGIN line at character " + i);
      }
      String label = text.substring(labelStart, labelEnd);
      String endMarker = "-----END " + label + "-----";
      int bodyStart = labelEnd + 5;
      int endPos = text.indexOf(endMarker, bodyStart);
      if (endPos < 0) {
        throw new MalformedInputException("PEM block '" + label + "' has no END line");
      }
      String body = text.substring(bodyStart, endPos);
      StringBuilder b64 = new StringBuilder(body.length());
      for (int k = 0; k < body.length(); k++) {
        char c = body.charAt(k);
        if (!Character.isWhitespace(c)) {
          b64.append(c);
        }
      }
      byte[] der;
      try {
        der = Base64.getDecoder().decode(b64.toString());
      } catch (IllegalArgumentException e) {
        throw new MalformedInputException("PEM block '" + label + "' is not valid base64", e);
      }
      if (der.length == 0) {
        throw new MalformedInputException("PEM block '" + label + "' is empty");
      }
      out.add(new Block(label, Bytes.of(der)));
      i = endPos + endMarker.length();
    }
    return out;
  }

  /** Decodes all blocks of one label from UTF-8 bytes. */
  public static List<Bytes> decodeAll(byte[] utf8, String label) throws MalformedInputException {
    List<Bytes> out = new ArrayList<>();
    for (Block b : decodeAll(new String(utf8, StandardCharsets.UTF_8))) {
      if (!b.label().equals(label)) {
        throw new MalformedInputException("expected PEM '" + label + "', found '" + b.label() + "'");
      }
      out.add(b.der());
    }
    return out;
  }

  /** Encodes DER bytes as one PEM block. */
  public static String encode(String label, Bytes der) {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der.toByteArray());
    return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
  }
}
