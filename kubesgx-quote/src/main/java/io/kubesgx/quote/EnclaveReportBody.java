package io.kubesgx.quote;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;

/**
 * An SGX enclave report body (384 bytes), used as the v3 body, the v5 body of type 1 and as the QE
 * report in every version.
 *
 * @see <a href="https://github.com/intel/SGXDataCenterAttestationPrimitives">sgx_report_body_t</a>
 */
public record EnclaveReportBody(
    Bytes raw,
    Bytes cpuSvn,
    long miscSelect,
    Bytes isvExtProdId,
    Bytes attributes,
    Bytes mrEnclave,
    Bytes mrSigner,
    Bytes configId,
    int isvProdId,
    int isvSvn,
    int configSvn,
    Bytes isvFamilyId,
    Bytes reportData)
    implements QuoteBody {
  /** Size of the structure in bytes. */
  public static final int SIZE = 384;

  /** ATTRIBUTES.flags bit INIT. */
  public static final long FLAG_INIT = 0x1;
  /** ATTRIBUTES.flags bit DEBUG. */
  public static final long FLAG_DEBUG = 0x2;
  /** ATTRIBUTES.flags bit MODE64BIT. */
  public static final long FLAG_MODE64BIT = 0x4;
  /** ATTRIBUTES.flags bit PROVISIONKEY. */
  public static final long FLAG_PROVISIONKEY = 0x10;
  /** ATTRIBUTES.flags bit EINITTOKENKEY. */
  public static final long FLAG_EINITTOKENKEY = 0x20;
  /** ATTRIBUTES.flags bit KSS. */
  public static final long FLAG_KSS = 0x80;
  /** ATTRIBUTES.flags bit AEXNOTIFY. */
  public static final long FLAG_AEXNOTIFY = 0x400;

  /** Parses exactly {@link #SIZE} bytes. */
  public static EnclaveReportBody parse(Bytes bytes) throws MalformedInputException {
    ByteReader r = ByteReader.of(bytes);
    EnclaveReportBody b = read(r);
    r.expectEnd("enclave report body");
    return b;
  }

  static EnclaveReportBody read(ByteReader outer) throws MalformedInputException {
    Bytes raw = outer.bytes(SIZE, "enclave report body");
    ByteReader r = ByteReader.of(raw);
    Bytes cpuSvn = r.bytes(16, "report.cpuSvn");
    long misc = r.u32("report.miscSelect");
    r.bytes(12, "report.reserved1");
    Bytes extProd = r.bytes(16, "report.isvExtProdId");
    Bytes attributes = r.bytes(16, "report.attributes");
    Bytes mrEnclave = r.bytes(32, "report.mrEnclave");
    r.bytes(32, "report.reserved2");
    Bytes mrSigner = r.bytes(32, "report.mrSigner");
    r.bytes(32, "report.reserved3");
    Bytes configId = r.bytes(64, "report.configId");
    int prodId = r.u16("report.isvProdId");
    int isvSvn = r.u16("report.isvSvn");
    int configSvn = r.u16("report.configSvn");
    r.bytes(42, "report.reserved4");
    Bytes family = r.bytes(16, "report.isvFamilyId");
    Bytes reportData = r.bytes(64, "report.reportData");
    r.expectEnd("enclave report body");
    return new EnclaveReportBody(
        raw, cpuSvn, misc, extProd, attributes, mrEnclave, mrSigner, configId, prodId, isvSvn,
        configSvn, family, reportData);
  }

  /** Returns ATTRIBUTES.flags (little-endian u64 at attribute offset 0). */
  public long attributeFlags() {
    return le64(attributes, 0);
  }

  /** Returns ATTRIBUTES.xfrm (little-endian u64 at attribute offset 8). */
  public long xfrm() {
    return le64(attributes, 8);
  }

  /** Returns true when the DEBUG attribute is set. */
  public boolean isDebug() {
    return (attributeFlags() & FLAG_DEBUG) != 0;
  }

  /** Returns the 4 MISCSELECT bytes in report byte order. */
  public Bytes miscSelectBytes() {
    return raw.slice(16, 20);
  }

  static long le64(Bytes b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | b.get(off + i);
    }
    return v;
  }

  @Override
  public TeeType teeType() {
    return TeeType.SGX;
  }
}
