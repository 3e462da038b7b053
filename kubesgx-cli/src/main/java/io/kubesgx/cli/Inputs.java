package io.kubesgx.cli;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateral.CollateralLoader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.cli.CliException;
import io.kubesgx.pck.Certificates;
import io.kubesgx.verifier.TrustAnchor;
import io.kubesgx.verifier.TrustAnchors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reading command-line inputs: quotes (binary or hex), collateral, roots and times. */
final class Inputs {
  /** Largest file read as a quote or root certificate. */
  static final long MAX_FILE = 4L << 20;

  private Inputs() {}

  /** An input problem that is the user's to fix (exit code 2). */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message, Throwable cause) {
      super(message, cause);
    }

    UsageException(String message) {
      super(message);
    }
  }

  static byte[] readFile(Path p, String what) throws UsageException {
    try {
      if (Files.isDirectory(p)) {
        throw new UsageException(what + " file " + p + " is a directory; give a file");
      }
      if (!Files.isRegularFile(p)) {
        throw new UsageException(what + " file not found: " + p);
      }
      if (Files.size(p) > MAX_FILE) {
        throw new UsageException(what + " file is larger than " + MAX_FILE + " bytes: " + p);
      }
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UsageException("cannot read " + what + " file " + p + ": " + CliException.describe(e), e);
    }
  }

  /** Reads a quote that is either binary or hex text (whitespace and an optional 0x ignored). */
  static byte[] readQuote(Path p) throws UsageException {
    byte[] b = readFile(p, "quote");
    if (b.length > 0 && Hex.looksLikeHexText(b)) {
      try {
        return Hex.decodeLenientText(new String(b, StandardCharsets.US_ASCII));
      } catch (MalformedInputException e) {
        throw new UsageException("quote file " + p + " looks like hex text but does not decode: " + e.getMessage(), e);
      }
    }
    return b;
  }

  /** Loads collateral from a dcap-qvl JSON file or a bundle directory. */
  static Collateral readCollateral(Path p) throws UsageException, MalformedInputException {
    if (!Files.exists(p)) {
      throw new UsageException("collateral not found: " + p);
    }
    try {
      return CollateralLoader.load(p);
    } catch (IOException e) {
      throw new UsageException("cannot read collateral " + p + ": " + CliException.describe(e), e);
    }
  }

  /** Returns the anchors for {@code --root} files, or the pinned Intel root when none are given. */
  static TrustAnchors anchors(List<Path> roots) throws UsageException {
    if (roots == null || roots.isEmpty()) {
      return TrustAnchors.intelOnly();
    }
    List<TrustAnchor> l = new ArrayList<>();
    for (Path r : roots) {
      try {
        List<X509Certificate> certs = Certificates.parseAll(readFile(r, "root certificate"));
        if (certs.size() != 1) {
          throw new UsageException("root certificate file " + r + " must hold exactly one certificate, found " + certs.size());
        }
        l.add(TrustAnchor.fromCertificate(certs.get(0)));
      } catch (MalformedInputException e) {
        throw new UsageException("root certificate " + r + " (DER or PEM expected): " + e.getMessage(), e);
      }
    }
    return TrustAnchors.of(l);
  }

  /** Parses unix seconds or RFC 3339. */
  static Instant time(String text) throws UsageException {
    if (text == null) {
      return Instant.now();
    }
    String t = text.trim();
    if (t.matches("-?\\d{1,12}")) {
      return Instant.ofEpochSecond(Long.parseLong(t));
    }
    try {
      return java.time.OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      throw new UsageException("time must be unix seconds or RFC 3339 (e.g. 2025-07-19T10:01:17Z), got '" + text + "'", e);
    }
  }

  /** Decodes an option's hex value (optional {@code 0x}) of at most {@code maxBytes} bytes. */
  static Bytes hex(String text, String option, int maxBytes) throws Inputs.UsageException {
    String t = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
    Bytes b;
    try {
      b = Bytes.fromHex(t);
    } catch (MalformedInputException e) {
      throw new Inputs.UsageException(option + " is not hex: " + e.getMessage());
    }
    if (b.length() > maxBytes) {
      throw new Inputs.UsageException(option + " is " + b.length() + " bytes; at most " + maxBytes + " allowed");
    }
    return b;
  }

  /** Decodes an option's hex value that must be exactly {@code bytes} bytes. */
  static Bytes exactHex(String text, String option, int bytes) throws Inputs.UsageException {
    Bytes b = hex(text, option, bytes);
    if (b.length() != bytes) {
      throw new Inputs.UsageException(option + " must be exactly " + bytes + " bytes (" + 2 * bytes + " hex digits), got " + b.length());
    }
    return b;
  }
}
