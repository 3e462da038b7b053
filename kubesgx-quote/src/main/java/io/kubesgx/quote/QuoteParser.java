package io.kubesgx.quote;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.OptionalInt;

/**
 * Parses DCAP quote bytes into a {@link Quote}, checking the layout only.
 *
 * <p>Checks done here (spec: dcap-verification.md §6 step 0, structural part): known version;
 * body type and size per version; v5 body size matches its type; every declared length fits; the
 * v3 certification data and the v4/v5 type-6 block end exactly at the end of the signature data;
 * the type-6 inner certification data ends exactly at the end of the type-6 payload and is not
 * itself type 6; trailing data per {@link TrailingDataPolicy}. Semantic checks (key type, QE
 * vendor, TEE type consistency, certification type support) are the verifier's.
 */
public final class QuoteParser {
  /** Largest quote buffer accepted (real quotes are about 5 KiB). */
  public static final int MAX_QUOTE_SIZE = 1 << 20;

  private QuoteParser() {}

  /** Parses with the default trailing-data policy ({@link TrailingDataPolicy#ZERO_PADDING}). */
  public static Quote parse(byte[] data) throws MalformedInputException {
    return parse(data, TrailingDataPolicy.ZERO_PADDING);
  }

  /** Parses with an explicit trailing-data policy. */
  public static Quote parse(byte[] data, TrailingDataPolicy policy) throws MalformedInputException {
    if (data.length > MAX_QUOTE_SIZE) {
      throw new MalformedInputException("quote is " + data.length + " bytes, more than the " + MAX_QUOTE_SIZE + " accepted");
    }
    ByteReader r = ByteReader.of(data);
    QuoteHeader header = QuoteHeader.read(r);
    OptionalInt v5Type = OptionalInt.empty();
    QuoteBody body;
    switch (header.version()) {
      case 3:
        body = EnclaveReportBody.read(r);
        break;
      case 4:
        if (header.teeTypeRaw() == TeeType.SGX.value()) {
          body = EnclaveReportBody.read(r);
        } else if (header.teeTypeRaw() == TeeType.TDX.value()) {
          body = TdReportBody.read(r, false);
        } else {
          throw new MalformedInputException(
              "v4 quote has unknown TEE type 0x" + Long.toHexString(header.teeTypeRaw()));
        }
        break;
      case 5:
        int type = r.u16("v5 body type");
        long size = r.u32("v5 body size");
        long expected;
        switch (type) {
          case 1:
            expected = EnclaveReportBody.SIZE;
            break;
          case 2:
            expected = TdReportBody.SIZE_V10;
            break;
          case 3:
            expected = TdReportBody.SIZE_V15;
            break;
          default:
            throw new MalformedInputException("v5 quote has unknown body type " + type);
        }
        if (size != expected) {
          throw new MalformedInputException(
              "v5 body type " + type + " must be " + expected + " bytes, header says " + size);
        }
        v5Type = OptionalInt.of(type);
        body = type == 1 ? EnclaveReportBody.read(r) : TdReportBody.read(r, type == 3);
        break;
      default:
        throw new MalformedInputException("unsupported quote version " + header.version());
    }
    int signedEnd = r.offset();
    int sigLen = r.length32("signature data length");
    ByteReader sig = r.sub(sigLen, "signature data");
    QuoteSignatureData sd = header.version() == 3 ? readV3(sig) : readV4(sig);
    int quoteLength = r.offset();
    Bytes trailing = r.rest();
    if (trailing.length() > 0) {
      switch (policy) {
        case STRICT:
          throw new MalformedInputException(
              trailing.length() + " bytes follow the quote's signature data (strict parsing)");
        case ZERO_PADDING:
          if (!trailing.isAllZero()) {
            throw new MalformedInputException(
                trailing.length() + " bytes follow the quote's signature data and not all are zero");
          }
          break;
        default:
          break;
      }
    }
    return new Quote(
        header, v5Type, body, Bytes.of(data, 0, signedEnd), sd, quoteLength, trailing.length());
  }

  private static QuoteSignatureData readV3(ByteReader sig) throws MalformedInputException {
    Bytes quoteSig = sig.bytes(64, "quote signature");
    Bytes attKey = sig.bytes(64, "attestation key");
    QeCertification qe = readQeCertification(sig, "");
    sig.expectEnd("v3 signature data");
    if (qe.certification().type() == CertificationData.QE_REPORT) {
      throw new MalformedInputException("v3 quote carries certification data type 6, which only v4/v5 use");
    }
    return new QuoteSignatureData(
        quoteSig, attKey, qe.report(), qe.signature(), qe.authData(), qe.certification(), OptionalInt.empty());
  }

  private static QuoteSignatureData readV4(ByteReader sig) throws MalformedInputException {
    Bytes quoteSig = sig.bytes(64, "quote signature");
    Bytes attKey = sig.bytes(64, "attestation key");
    int outerType = sig.u16("certification data type");
    int outerLen = sig.length32("certification data size");
    if (outerType != CertificationData.QE_REPORT) {
      throw new MalformedInputException(
          "v4/v5 certification data type must be 6 (QE report certification data), got " + outerType);
    }
    ByteReader outer = sig.sub(outerLen, "QE report certification data");
    sig.expectEnd("v4/v5 signature data");
    QeCertification qe = readQeCertification(outer, "inner ");
    outer.expectEnd("QE report certification data");
    if (qe.certification().type() == CertificationData.QE_REPORT) {
      throw new MalformedInputException("nested certification data type 6 is not allowed");
    }
    return new QuoteSignatureData(
        quoteSig, attKey, qe.report(), qe.signature(), qe.authData(), qe.certification(), OptionalInt.of(outerType));
  }

  /** The QE report, its signature, the auth data and the certification data, as v3 and type 6 lay them out. */
  private record QeCertification(
      EnclaveReportBody report, Bytes signature, Bytes authData, CertificationData certification) {}

  private static QeCertification readQeCertification(ByteReader r, String certPrefix) throws MalformedInputException {
    EnclaveReportBody qe = EnclaveReportBody.read(r);
    Bytes qeSig = r.bytes(64, "QE report signature");
    int authLen = r.u16("QE auth data length");
    Bytes auth = r.bytes(authLen, "QE auth data");
    int certType = r.u16(certPrefix + "certification data type");
    int certLen = r.length32(certPrefix + "certification data size");
    Bytes cert = r.bytes(certLen, certPrefix + "certification data");
    return new QeCertification(qe, qeSig, auth, new CertificationData(certType, cert));
  }
}
