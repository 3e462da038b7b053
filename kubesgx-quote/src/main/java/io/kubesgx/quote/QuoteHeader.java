package io.kubesgx.quote;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;

/**
 * The 48-byte quote header ({@code sgx_quote_header_t}); in v4/v5 offsets 8..11 are reserved and
 * {@link #qeSvn()}/{@link #pceSvn()} carry whatever those bytes hold.
 *
 * @param version quote version (3, 4 or 5 are understood)
 * @param attestationKeyType 2 = ECDSA-256 with P-256
 * @param teeTypeRaw raw TEE type field (offset 4)
 * @param qeSvn QE SVN from the header (not authoritative; the signed QE report is)
 * @param pceSvn PCE SVN from the header (not authoritative; the PCK certificate is)
 * @param qeVendorId 16-byte QE vendor ID
 * @param userData 20 bytes of user data (Intel's QE puts its QE ID in the first 16)
 */
public record QuoteHeader(
    int version,
    int attestationKeyType,
    long teeTypeRaw,
    int qeSvn,
    int pceSvn,
    Bytes qeVendorId,
    Bytes userData) {
  /** Size of the header in bytes. */
  public static final int SIZE = 48;

  /** Intel's QE vendor ID {@code 939a7233-f79c-4ca9-940a-0db3957f0607}. */
  public static final String INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";

  /** Reads a header from the reader. */
  static QuoteHeader read(ByteReader r) throws MalformedInputException {
    int version = r.u16("header.version");
    int keyType = r.u16("header.attestationKeyType");
    long tee = r.u32("header.teeType");
    int qeSvn = r.u16("header.qeSvn");
    int pceSvn = r.u16("header.pceSvn");
    Bytes vendor = r.bytes(16, "header.qeVendorId");
    Bytes user = r.bytes(20, "header.userData");
    return new QuoteHeader(version, keyType, tee, qeSvn, pceSvn, vendor, user);
  }

  /** Parses just the 48-byte header from the start of {@code quote}. */
  public static QuoteHeader parse(byte[] quote) throws MalformedInputException {
    return read(ByteReader.of(quote.length > SIZE ? java.util.Arrays.copyOf(quote, SIZE) : quote));
  }

  /** Returns the TEE type, or null when the raw value is neither SGX nor TDX. */
  public TeeType teeType() {
    for (TeeType t : TeeType.values()) {
      if (t.value() == teeTypeRaw) {
        return t;
      }
    }
    return null;
  }

  /** Returns true when the vendor is Intel's QE. */
  public boolean isIntelQeVendor() {
    return qeVendorId.hex().equals(INTEL_QE_VENDOR_ID);
  }
}
