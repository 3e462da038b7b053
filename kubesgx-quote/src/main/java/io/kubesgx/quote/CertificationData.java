package io.kubesgx.quote;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.Optional;

/**
 * Certification data ({@code sgx_ql_certification_data_t}): a type and its opaque payload. Type 5
 * carries the PCK certificate chain; types 1 to 3 identify the platform by PPID.
 *
 * @param type certification data type (1..7)
 * @param data the payload bytes
 */
public record CertificationData(int type, Bytes data) {
  /** PPID in clear text. */
  public static final int PPID_CLEARTEXT = 1;
  /** PPID encrypted with RSA-2048. */
  public static final int PPID_RSA2048 = 2;
  /** PPID encrypted with RSA-3072. */
  public static final int PPID_RSA3072 = 3;
  /** PCK leaf certificate. */
  public static final int PCK_LEAF = 4;
  /** PCK certificate chain. */
  public static final int PCK_CHAIN = 5;
  /** QE report certification data (v4/v5 wrapper). */
  public static final int QE_REPORT = 6;
  /** Platform manifest. */
  public static final int PLATFORM_MANIFEST = 7;

  /** Platform identity carried by certification data types 1 to 3. */
  public record PpidInfo(Bytes ppid, boolean encrypted, Bytes cpuSvn, int pceSvn, Optional<Integer> pceId) {}

  /** Returns a human-readable name of the type. */
  public String typeName() {
    switch (type) {
      case PPID_CLEARTEXT:
        return "PPID_CLEARTEXT";
      case PPID_RSA2048:
        return "PPID_RSA2048_ENCRYPTED";
      case PPID_RSA3072:
        return "PPID_RSA3072_ENCRYPTED";
      case PCK_LEAF:
        return "PCK_LEAF_CERT";
      case PCK_CHAIN:
        return "PCK_CERT_CHAIN";
      case QE_REPORT:
        return "QE_REPORT_CERTIFICATION_DATA";
      case PLATFORM_MANIFEST:
        return "PLATFORM_MANIFEST";
      default:
        return "UNKNOWN_" + type;
    }
  }

  /**
   * Decodes the PPID payload of types 1 to 3 (PPID, CPUSVN, PCESVN and, when present, PCE-ID); empty
   * for other types or payloads of an unexpected size.
   */
  public Optional<PpidInfo> ppidInfo() {
    int ppidLen;
    switch (type) {
      case PPID_CLEARTEXT:
        ppidLen = 16;
        break;
      case PPID_RSA2048:
        ppidLen = 256;
        break;
      case PPID_RSA3072:
        ppidLen = 384;
        break;
      default:
        return Optional.empty();
    }
    int base = ppidLen + 16 + 2;
    if (data.length() != base && data.length() != base + 2) {
      return Optional.empty();
    }
    try {
      ByteReader r = ByteReader.of(data);
      Bytes ppid = r.bytes(ppidLen, "ppid");
      Bytes cpuSvn = r.bytes(16, "cpuSvn");
      int pceSvn = r.u16("pceSvn");
      Optional<Integer> pceId = r.remaining() == 2 ? Optional.of(r.u16("pceId")) : Optional.empty();
      return Optional.of(new PpidInfo(ppid, type != PPID_CLEARTEXT, cpuSvn, pceSvn, pceId));
    } catch (MalformedInputException e) {
      return Optional.empty();
    }
  }
}
