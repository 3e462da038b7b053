package io.kubesgx.pck;

import io.kubesgx.common.Hex;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import io.kubesgx.pck.internal.DerReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.util.Arrays;
import java.util.List;

/**
 * Strict decoding of X.509 CRLs as served by Intel PCS and found in collateral containers
 * (dcap-verification.md §4.6): DER, PEM ({@code X509 CRL}) or hex text of DER.
 *
 * <p>Only structure is checked here; the verifier checks the signature, issuer and validity
 * window.
 */
public final class Crls {
  /** Largest input accepted, in bytes. */
  public static final int MAX_INPUT_SIZE = 1024 * 1024;

  /** OID of the CRL number extension. */
  public static final String CRL_NUMBER_OID = "2.5.29.20";
  /** OID of the authority key identifier extension. */
  public static final String AUTHORITY_KEY_IDENTIFIER_OID = "2.5.29.35";

  private static final String PEM_LABEL = "X509 CRL";

  private Crls() {}

  /**
   * Decodes one CRL from DER, PEM (exactly one {@code X509 CRL} block, trailing NULs and
   * whitespace tolerated) or hex text of DER (whitespace and an optional {@code 0x} prefix
   * allowed).
   *
   * @throws MalformedInputException when the input is empty, too large, in another encoding or not
   *     exactly one valid X.509 CRL
   */
  public static X509CRL parse(byte[] data) throws MalformedInputException {
    if (data == null) {
      throw new MalformedInputException("no CRL data");
    }
    if (data.length > MAX_INPUT_SIZE) {
      throw new MalformedInputException("CRL data too large: " + data.length + " bytes");
    }
    int i = 0;
    while (i < data.length && Certificates.isAsciiWhitespace(data[i])) {
      i++;
    }
    if (i == data.length) {
      throw new MalformedInputException("CRL data is empty");
    }
    if (data[i] == '-') {
      return parsePem(new String(data, StandardCharsets.ISO_8859_1));
    }
    if (Hex.looksLikeHexText(data)) {
      return parseDer(Hex.decodeLenientText(new String(data, StandardCharsets.ISO_8859_1)));
    }
    if (i == 0 && (data[0] & 0xff) == DerReader.TAG_SEQUENCE) {
      return parseDer(data.clone());
    }
    throw new MalformedInputException(
        String.format("CRL data is neither DER, PEM nor hex (first byte 0x%02x)", data[i]));
  }

  /**
   * Returns true when the CRL carries both extensions Intel's QVL requires on every CRL: CRL number
   * and authority key identifier (QVL: {@code CertVerification/X509Constants.cpp}
   * {@code CRL_REQUIRED_EXTENSIONS}).
   */
  public static boolean hasRequiredExtensions(X509CRL crl) {
    return crl.getExtensionValue(CRL_NUMBER_OID) != null
        && crl.getExtensionValue(AUTHORITY_KEY_IDENTIFIER_OID) != null;
  }

  private static X509CRL parsePem(String text) throws MalformedInputException {
    List<Pem.Block> blocks = Certificates.decodePemStrict(text);
    if (blocks.size() != 1) {
      throw new MalformedInputException("expected one PEM CRL block, found " + blocks.size());
    }
    Pem.Block b = blocks.get(0);
    if (!PEM_LABEL.equals(b.label())) {
      throw new MalformedInputException("unexpected PEM block '" + b.label() + "'");
    }
    return parseDer(b.der().toByteArray());
  }

  private static X509CRL parseDer(byte[] der) throws MalformedInputException {
    if (der.length == 0 || (der[0] & 0xff) != DerReader.TAG_SEQUENCE) {
      throw new MalformedInputException("CRL is not a DER SEQUENCE");
    }
    if (DerReader.elementLength(der, 0) != der.length) {
      throw new MalformedInputException("CRL DER has trailing bytes");
    }
    io.kubesgx.pck.internal.SignedDer.requireWellFormedSignature(der, "CRL");
    CRL crl;
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      crl = cf.generateCRL(new ByteArrayInputStream(der));
    } catch (CRLException | CertificateException e) {
      throw new MalformedInputException("invalid X.509 CRL: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new MalformedInputException("invalid X.509 CRL", e);
    }
    if (!(crl instanceof X509CRL)) {
      throw new MalformedInputException("not an X.509 CRL");
    }
    X509CRL x509 = (X509CRL) crl;
    try {
      if (!Arrays.equals(x509.getEncoded(), der)) {
        throw new MalformedInputException("CRL does not re-encode to its input bytes");
      }
    } catch (CRLException | RuntimeException e) {
      throw new MalformedInputException("unencodable X.509 CRL", e);
    }
    return x509;
  }
}
