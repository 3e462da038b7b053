package io.kubesgx.collateral.internal;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Decoding of the text and binary encodings collateral arrives in (PEM, hex, DER, URL-encoding). */
public final class Encodings {
  /** Largest single collateral item (JSON text, PEM chain, CRL) in characters or bytes: 1 MiB. */
  public static final int MAX_ITEM = 1 << 20;

  /** Largest hex-of-DER CRL text: two characters per byte of a {@link #MAX_ITEM} CRL. */
  public static final int MAX_HEX_ITEM = 2 * MAX_ITEM + 64;

  /** Largest whole container document (dcap-qvl JSON, Fortanix cache file): 8 MiB. */
  public static final int MAX_DOCUMENT = 8 << 20;

  /** Most certificates accepted in one chain. */
  public static final int MAX_CHAIN = 16;

  private static final String CERT_LABEL = "CERTIFICATE";
  private static final String CRL_LABEL = "X509 CRL";

  private Encodings() {}

  /** Fails when {@code length} exceeds {@code max}. */
  public static void checkSize(long length, long max, String what) throws MalformedInputException {
    if (length > max) {
      throw new MalformedInputException(what + ": " + length + " bytes exceeds the limit of " + max);
    }
  }

  /** Decodes UTF-8 strictly (malformed or unmappable sequences are errors). */
  public static String utf8(byte[] data, String what) throws MalformedInputException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException(what + ": not valid UTF-8", e);
    }
  }

  /** Fails when {@code s} contains an unpaired surrogate (it would not survive UTF-8 encoding). */
  public static void requireWellFormedUtf16(String s, String what) throws MalformedInputException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new MalformedInputException(what + ": unpaired surrogate at character " + i);
      }
      if (Character.isLowSurrogate(c)) {
        throw new MalformedInputException(what + ": unpaired surrogate at character " + i);
      }
    }
  }

  /**
   * Decodes a PEM certificate chain: only {@code CERTIFICATE} blocks, each one DER SEQUENCE, at most
   * {@link #MAX_CHAIN}. Blank text gives an empty list.
   */
  public static List<Bytes> certificatesFromPem(String text, String what)
      throws MalformedInputException {
    checkSize(text.length(), MAX_ITEM, what);
    List<Pem.Block> blocks;
    try {
      blocks = Pem.decodeAll(text);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
    if (blocks.size() > MAX_CHAIN) {
      throw new MalformedInputException(
          what + ": " + blocks.size() + " certificates, at most " + MAX_CHAIN + " allowed");
    }
    List<Bytes> out = new ArrayList<>(blocks.size());
    for (int i = 0; i < blocks.size(); i++) {
      Pem.Block b = blocks.get(i);
      if (!b.label().equals(CERT_LABEL)) {
        throw new MalformedInputException(
            what + "[" + i + "]: expected PEM label CERTIFICATE, got '"
                + JsonFields.abbreviate(b.label()) + "'");
      }
      out.add(Der.requireSingleSequence(b.der().toByteArray(), what + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  /** Like {@link #certificatesFromPem} but requires at least one certificate. */
  public static List<Bytes> nonEmptyCertificatesFromPem(String text, String what)
      throws MalformedInputException {
    List<Bytes> out = certificatesFromPem(text, what);
    if (out.isEmpty()) {
      throw new MalformedInputException(what + ": no certificate found");
    }
    return out;
  }

  /** Encodes certificates as concatenated PEM blocks. */
  public static String certificatesToPem(List<Bytes> certs) {
    StringBuilder sb = new StringBuilder();
    for (Bytes c : certs) {
      sb.append(Pem.encode(CERT_LABEL, c));
    }
    return sb.toString();
  }

  /**
   * Decodes a CRL given as text: one PEM {@code X509 CRL} block, or hex of the DER (whitespace and an
   * optional {@code 0x} prefix allowed).
   */
  public static Bytes crlFromText(String text, String what) throws MalformedInputException {
    checkSize(text.length(), MAX_HEX_ITEM, what);
    String t = text.strip();
    if (t.startsWith("-----BEGIN")) {
      List<Pem.Block> blocks;
      try {
        blocks = Pem.decodeAll(t);
      } catch (MalformedInputException e) {
        throw new MalformedInputException(what + ": " + e.getMessage(), e);
      }
      if (blocks.size() != 1 || !blocks.get(0).label().equals(CRL_LABEL)) {
        throw new MalformedInputException(what + ": expected exactly one PEM 'X509 CRL' block");
      }
      return Der.requireSingleSequence(blocks.get(0).der().toByteArray(), what);
    }
    byte[] der;
    try {
      der = Hex.decodeLenientText(t);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": neither PEM nor hex: " + e.getMessage(), e);
    }
    if (der.length == 0) {
      throw new MalformedInputException(what + ": empty");
    }
    return Der.requireSingleSequence(der, what);
  }

  /** Decodes a CRL given as bytes: DER, PEM text or hex text (PCCS style). */
  public static Bytes crlFromBytes(byte[] data, String what) throws MalformedInputException {
    checkSize(data.length, MAX_HEX_ITEM, what);
    if (data.length > 0 && (data[0] & 0xff) == 0x30) {
      return Der.requireSingleSequence(data, what);
    }
    return crlFromText(utf8(data, what), what);
  }

  /** Decodes a certificate chain given as bytes: PEM text or concatenated DER. */
  public static List<Bytes> certificatesFromBytes(byte[] data, String what)
      throws MalformedInputException {
    checkSize(data.length, MAX_ITEM, what);
    if (data.length > 0 && (data[0] & 0xff) == 0x30) {
      List<Bytes> out = Der.splitSequences(data, what);
      if (out.size() > MAX_CHAIN) {
        throw new MalformedInputException(
            what + ": " + out.size() + " certificates, at most " + MAX_CHAIN + " allowed");
      }
      return out;
    }
    return certificatesFromPem(utf8(data, what), what);
  }

  /**
   * Returns an issuer-chain header value as PEM: plain PEM (no {@code %}) is returned unchanged;
   * URL-encoded PEM (as in the PCS {@code *-Issuer-Chain} headers) is percent-decoded. A literal {@code +} is kept
   * (it is a base64 character), except in the {@code BEGIN+CERTIFICATE} / {@code END+CERTIFICATE}
   * form produced by form-encoders, where it stands for a space.
   */
  public static String issuerChainText(String value, String what) throws MalformedInputException {
    checkSize(value.length(), 3L * MAX_ITEM, what);
    // PEM text never contains '%' (base64 alphabet, dashes, labels), so any '%' means URL-encoded.
    String t = value.strip();
    if (t.indexOf('%') < 0 && !t.contains("BEGIN+CERTIFICATE")) {
      return value;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '%') {
        if (i + 2 >= t.length()) {
          throw new MalformedInputException(what + ": truncated percent escape at character " + i);
        }
        int hi = hexDigit(t.charAt(i + 1));
        int lo = hexDigit(t.charAt(i + 2));
        if (hi < 0 || lo < 0) {
          throw new MalformedInputException(what + ": invalid percent escape at character " + i);
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c > 0x7e || c < 0x20) {
        throw new MalformedInputException(what + ": unexpected character in URL-encoded text");
      } else {
        out.write(c);
      }
    }
    String decoded = utf8(out.toByteArray(), what);
    return decoded
        .replace("-----BEGIN+CERTIFICATE-----", "-----BEGIN CERTIFICATE-----")
        .replace("-----END+CERTIFICATE-----", "-----END CERTIFICATE-----");
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Decodes a hex signature that must be exactly 64 bytes ({@code r || s}). */
  public static Bytes signatureHex(String hex, String what) throws MalformedInputException {
    if (hex.length() > 1024) {
      throw new MalformedInputException(what + ": expected 64 bytes, got " + hex.length() + " characters");
    }
    byte[] sig;
    try {
      sig = Hex.decode(hex);
    } catch (MalformedInputException e) {
      throw new MalformedInputException(what + ": " + e.getMessage(), e);
    }
    if (sig.length != 64) {
      throw new MalformedInputException(what + ": expected 64 bytes, got " + sig.length);
    }
    return Bytes.of(sig);
  }
}
