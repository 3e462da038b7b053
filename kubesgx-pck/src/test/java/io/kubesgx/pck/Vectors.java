package io.kubesgx.pck;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Access to the read-only shared conformance vectors; tests are skipped when they are absent. */
final class Vectors {
  private static final byte[] BEGIN_CERT =
      "-----BEGIN CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII);
  private static final int CERT_DATA_TYPE_PCK_CHAIN = 5;

  private Vectors() {}

  /** Returns the vectors directory. */
  static Path dir() {
    return Path.of(System.getProperty("kubesgx.shared", "../shared"), "vectors");
  }

  /** Returns the path of a vector file, skipping the test when it is absent. */
  static Path path(String relative) {
    Path p = dir().resolve(relative);
    assumeTrue(Files.isRegularFile(p), "shared vectors absent: " + p);
    return p;
  }

  /** Reads a vector file, skipping the test when it is absent. */
  static byte[] read(String relative) {
    try {
      return Files.readAllBytes(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a vector file as UTF-8 text. */
  static String text(String relative) {
    return new String(read(relative), StandardCharsets.UTF_8);
  }

  /** Reads a JSON vector file. */
  static JsonObject json(String relative) throws MalformedInputException {
    return Json.parseObject(text(relative));
  }

  /** Reads a quote file, decoding hex text when {@code encoding} says so. */
  static byte[] quote(String relative, String encoding) throws MalformedInputException {
    byte[] raw = read(relative);
    if (encoding != null && encoding.startsWith("hex")) {
      return Hex.decodeLenientText(new String(raw, StandardCharsets.US_ASCII));
    }
    return raw;
  }

  /**
   * Test-only shortcut instead of the quote parser: returns the type-5 certification data (the
   * PCK chain) of a quote by locating its PEM text, or, for DER chains, the type-5 header whose
   * data runs to the end of the quote.
   */
  static byte[] pckChainData(byte[] quote) {
    int begin = indexOf(quote, BEGIN_CERT);
    if (begin >= 6) {
      int type = u16(quote, begin - 6);
      long size = u32(quote, begin - 4);
      if (type == CERT_DATA_TYPE_PCK_CHAIN && begin + size <= quote.length) {
        return Arrays.copyOfRange(quote, begin, begin + (int) size);
      }
    }
    for (int p = 0; p + 7 <= quote.length; p++) {
      if (u16(quote, p) == CERT_DATA_TYPE_PCK_CHAIN
          && p + 6 + u32(quote, p + 2) == quote.length
          && quote[p + 6] == 0x30) {
        return Arrays.copyOfRange(quote, p + 6, quote.length);
      }
    }
    throw new AssertionError("no PCK chain found in quote");
  }

  private static int u16(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int off) {
    return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xffffffffL;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
