package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.pck.internal.DerReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Strict decoding of X.509 certificates from the encodings found in quotes and collateral.
 *
 * <p>Accepted (dcap-verification.md §9.2): concatenated PEM {@code CERTIFICATE} blocks (optionally
 * followed by NUL bytes and whitespace, as in quotes that count a C string terminator), or
 * concatenated DER certificates. Each certificate must parse as X.509 and re-encode to exactly its
 * input bytes. Signatures and validity are not checked here.
 */
public final class Certificates {
  /** Most certificates accepted in one input. */
  public static final int MAX_CERTIFICATES = 16;
  /** Largest single DER certificate accepted, in bytes. */
  public static final int MAX_CERTIFICATE_SIZE = 64 * 1024;
  /** Largest input accepted, in bytes (PEM expands DER by about 4/3 plus headers). */
  public static final int MAX_INPUT_SIZE = 2 * MAX_CERTIFICATES * MAX_CERTIFICATE_SIZE;

  private static final String PEM_LABEL = "CERTIFICATE";

  private Certificates() {}

  /**
   * Decodes every certificate in {@code data}, detecting the encoding from the first
   * non-whitespace byte: {@code '-'} means PEM, {@code 0x30} means concatenated DER.
   *
   * @throws MalformedInputException when the input is empty, too large, in another encoding,
   *     contains anything but certificates, or any certificate fails to parse
   */
  public static List<X509Certificate> parseAll(byte[] data) throws MalformedInputException {
    if (data == null) {
      throw new MalformedInputException("no certificate data");
    }
    if (data.length > MAX_INPUT_SIZE) {
      throw new MalformedInputException("certificate data too large: " + data.length + " bytes");
    }
    int i = 0;
    while (i < data.length && isAsciiWhitespace(data[i])) {
      i++;
    }
    if (i == data.length) {
      throw new MalformedInputException("certificate data is empty");
    }
    if (data[i] == '-') {
      return parsePemText(new String(data, StandardCharsets.ISO_8859_1));
    }
    if (data[i] == 0x30 && i == 0) {
      return parseConcatenatedDer(data);
    }
    throw new MalformedInputException(
        String.format("certificate data is neither PEM nor DER (first byte 0x%02x)", data[i]));
  }

  /**
   * Decodes concatenated PEM {@code CERTIFICATE} blocks; trailing NULs and whitespace are
   * tolerated, any other text or block label is rejected.
   */
  public static List<X509Certificate> parsePemText(String text) throws MalformedInputException {
    if (text == null) {
      throw new MalformedInputException("no certificate text");
    }
    if (text.length() > MAX_INPUT_SIZE) {
      throw new MalformedInputException("certificate text too large: " + text.length());
    }
    List<Pem.Block> blocks = decodePemStrict(text);
    if (blocks.isEmpty()) {
      throw new MalformedInputException("no PEM certificate found");
    }
    if (blocks.size() > MAX_CERTIFICATES) {
      throw new MalformedInputException("too many certificates: " + blocks.size());
    }
    List<X509Certificate> out = new ArrayList<>(blocks.size());
    for (Pem.Block b : blocks) {
      if (!PEM_LABEL.equals(b.label())) {
        throw new MalformedInputException("unexpected PEM block '" + b.label() + "'");
      }
      out.add(parse(b.der()));
    }
    return List.copyOf(out);
  }

  /**
   * Decodes exactly one DER certificate; the input must be one complete DER element and nothing
   * else.
   */
  public static X509Certificate parse(Bytes der) throws MalformedInputException {
    if (der == null) {
      throw new MalformedInputException("no certificate");
    }
    return parseDer(der.toByteArray());
  }

  private static List<X509Certificate> parseConcatenatedDer(byte[] data)
      throws MalformedInputException {
    List<X509Certificate> out = new ArrayList<>();
    int offset = 0;
    while (offset < data.length) {
      if (out.size() == MAX_CERTIFICATES) {
        throw new MalformedInputException("too many certificates (more than " + MAX_CERTIFICATES + ")");
      }
      if ((data[offset] & 0xff) != DerReader.TAG_SEQUENCE) {
        throw new MalformedInputException(
            "expected a DER certificate at offset " + offset + " of concatenated DER");
      }
      int len = DerReader.elementLength(data, offset);
      out.add(parseDer(Arrays.copyOfRange(data, offset, offset + len)));
      offset += len;
    }
    return List.copyOf(out);
  }

  private static X509Certificate parseDer(byte[] der) throws MalformedInputException {
    if (der.length == 0) {
      throw new MalformedInputException("empty certificate");
    }
    if (der.length > MAX_CERTIFICATE_SIZE) {
      throw new MalformedInputException("certificate too large: " + der.length + " bytes");
    }
    if ((der[0] & 0xff) != DerReader.TAG_SEQUENCE) {
      throw new MalformedInputException("certificate is not a DER SEQUENCE");
    }
    if (DerReader.elementLength(der, 0) != der.length) {
      throw new MalformedInputException("certificate DER has trailing bytes");
    }
    io.kubesgx.pck.internal.SignedDer.requireWellFormedSignature(der, "certificate");
    Certificate cert;
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      cert = cf.generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new MalformedInputException("invalid X.509 certificate: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new MalformedInputException("invalid X.509 certificate", e);
    }
    if (!(cert instanceof X509Certificate)) {
      throw new MalformedInputException("not an X.509 certificate");
    }
    X509Certificate x509 = (X509Certificate) cert;
    try {
      if (!Arrays.equals(x509.getEncoded(), der)) {
        throw new MalformedInputException("certificate does not re-encode to its input bytes");
      }
    } catch (CertificateEncodingException | RuntimeException e) {
      throw new MalformedInputException("unencodable X.509 certificate", e);
    }
    return x509;
  }

  /**
   * Decodes PEM blocks after stripping trailing NULs and whitespace; only printable ASCII and
   * whitespace may remain, and nothing but PEM blocks.
   */
  static List<Pem.Block> decodePemStrict(String text) throws MalformedInputException {
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\0' || isAsciiWhitespace(text.charAt(end - 1)))) {
      end--;
    }
    String trimmed = text.substring(0, end);
    for (int k = 0; k < trimmed.length(); k++) {
      char c = trimmed.charAt(k);
      if (c > 0x7e || (c < 0x20 && !isAsciiWhitespace(c))) {
        throw new MalformedInputException("unexpected character in PEM text at position " + k);
      }
    }
    return Pem.decodeAll(trimmed);
  }

  static boolean isAsciiWhitespace(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
  }
}
