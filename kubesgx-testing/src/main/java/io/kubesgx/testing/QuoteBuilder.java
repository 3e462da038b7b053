package io.kubesgx.testing;

import io.kubesgx.sim.pki.DcapPki;
import io.kubesgx.sim.pki.DerivedKey;
import io.kubesgx.sim.pki.PckCertSpec;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.SgxExtensionParser;
import io.kubesgx.pck.SgxExtensions;
import io.kubesgx.quote.CertificationData;
import io.kubesgx.quote.QuoteHeader;
import io.kubesgx.testing.internal.LeWriter;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Builds synthetic DCAP quotes — SGX v3, SGX v4 (TEE type 0), SGX v5 (body type 1), TDX v4 (TD 1.0)
 * and TDX v5 (TD 1.0 or TD 1.5 body) — byte-compatible with Intel's layouts (dcap-verification.md
 * §1), signed by a PCK leaf of a {@link TestPki}.
 *
 * <p>The QE report is signed by the PCK leaf key; its REPORTDATA is SHA-256(attestation key X‖Y ‖
 * QE authentication data) followed by 32 zero bytes; the quote is signed by the attestation key
 * (P1363 r‖s). Certification data is type 5 (PEM chain leaf → intermediate → root followed by one
 * NUL byte, as in real quotes), wrapped in type 6 for v4/v5. All signatures are deterministic.
 *
 * <pre>{@code
 * DcapPki pki = TestPki.standard();
 * DcapPki.Issued leaf = pki.issuePck(TestPki.pckSpec().build());
 * byte[] quote = QuoteBuilder.sgxV3(pki, leaf).isvSvn(2).debug(true).build();
 * }</pre>
 *
 * <p>Options whose names start with {@code corrupt} or {@code insecure}-style overrides
 * ({@link #certificationData}, {@link #qeReportSigner}) deliberately produce quotes that must fail.
 */
public final class QuoteBuilder {
  /** The quote layout to produce. */
  public enum Format {
    /** Version 3, SGX enclave report body. */
    SGX_V3(3, false, 0),
    /** Version 4 with TEE type 0 (SGX report body), type-6 certification data. */
    SGX_V4(4, false, 0),
    /** Version 5 with body type 1 (SGX report body). */
    SGX_V5(5, false, 1),
    /** Version 4 with TEE type 0x81 and a TD 1.0 body. */
    TDX_V4(4, true, 0),
    /** Version 5 with body type 2 (TD 1.0). */
    TDX_V5_TD10(5, true, 2),
    /** Version 5 with body type 3 (TD 1.5). */
    TDX_V5_TD15(5, true, 3);

    final int version;
    final boolean tdx;
    final int v5BodyType;

    Format(int version, boolean tdx, int v5BodyType) {
      this.version = version;
      this.tdx = tdx;
      this.v5BodyType = v5BodyType;
    }

    /** Returns true for TDX formats. */
    public boolean isTdx() {
      return tdx;
    }
  }

  /** MRSIGNER of the test SGX quoting enclave (SHA-256 of "kubesgx TEST QE signer"). */
  public static final Bytes TEST_QE_MRSIGNER = sha256("kubesgx TEST QE signer");
  /** MRSIGNER of the test TD quoting enclave (SHA-256 of "kubesgx TEST TD_QE signer"). */
  public static final Bytes TEST_TD_QE_MRSIGNER = sha256("kubesgx TEST TD_QE signer");
  /** Default QE ISVSVN. */
  public static final int DEFAULT_QE_ISVSVN = 8;
  /** ATTRIBUTES.flags of the test QE: INIT | MODE64BIT | PROVISIONKEY, as a real QE. */
  public static final long QE_FLAGS = 0x15;
  /** Default QE authentication data: 32 bytes 00 01 … 1f, as in real quotes. */
  public static final Bytes DEFAULT_QE_AUTH_DATA = defaultAuthData();

  private static final long TEE_TYPE_TDX = 0x81;
  private static final long FLAG_DEBUG = 0x2;

  private final Format format;
  private final DerivedKey pckKey;
  private final List<X509Certificate> pckChain;
  private final SgxExtensions pckExtension;

  private DerivedKey attestationKey;
  private int attestationKeyType = 2;
  private Bytes qeVendorId = hex(QuoteHeader.INTEL_QE_VENDOR_ID);
  private Bytes userData = sha256("kubesgx TEST QE id").slice(0, 16).concat(Bytes.zeros(4));
  private Integer headerQeSvn;
  private Integer headerPceSvn;

  // SGX enclave report body
  private Bytes cpuSvn;
  private long miscSelect;
  private Bytes isvExtProdId = Bytes.zeros(16);
  private long attributeFlags = 0x05;
  private long xfrm = 0x03;
  private Bytes mrEnclave = sha256("kubesgx TEST enclave");
  private Bytes mrSigner = sha256("kubesgx TEST enclave signer");
  private Bytes configId = Bytes.zeros(64);
  private int isvProdId = 1;
  private int isvSvn = 1;
  private int configSvn;
  private Bytes isvFamilyId = Bytes.zeros(16);
  private Bytes reportData = sha256("kubesgx TEST report data").concat(Bytes.zeros(32));

  // TD report body
  private Bytes teeTcbSvn = hex("03010200000000000000000000000000");
  private Bytes mrSeam = sha384like("kubesgx TEST MRSEAM");
  private Bytes mrSignerSeam = Bytes.zeros(48);
  private Bytes seamAttributes = Bytes.zeros(8);
  private Bytes tdAttributes = hex("0000001000000000");
  private Bytes xfam = hex("e702060000000000");
  private Bytes mrTd = sha384like("kubesgx TEST MRTD");
  private Bytes mrConfigId = Bytes.zeros(48);
  private Bytes mrOwner = Bytes.zeros(48);
  private Bytes mrOwnerConfig = Bytes.zeros(48);
  private final Bytes[] rtmrs = {
    sha384like("kubesgx TEST RTMR0"), sha384like("kubesgx TEST RTMR1"), sha384like("kubesgx TEST RTMR2"), Bytes.zeros(48)
  };
  private Bytes teeTcbSvn2;
  private Bytes mrServiceTd = Bytes.zeros(48);
  private boolean tdDebug;

  // QE report
  private Bytes qeCpuSvn;
  private long qeMiscSelect;
  private long qeAttributeFlags = QE_FLAGS;
  private long qeXfrm = 0xe7;
  private Bytes qeMrEnclave;
  private Bytes qeMrSigner;
  private int qeIsvProdId;
  private int qeIsvSvn = DEFAULT_QE_ISVSVN;
  private Bytes qeAuthData = DEFAULT_QE_AUTH_DATA;

  // certification data
  private Integer certificationType;
  private Bytes certificationPayload;
  private boolean nulTerminator = true;
  private List<X509Certificate> chainOrder;

  // deliberate breakage
  private DerivedKey qeReportSigner;
  private boolean corruptQeReportData;
  private boolean corruptQeReportSignature;
  private boolean corruptQuoteSignature;
  private int trailingZeros;

  private QuoteBuilder(Format format, DerivedKey pckKey, List<X509Certificate> pckChain) {
    this.format = Objects.requireNonNull(format);
    this.pckKey = Objects.requireNonNull(pckKey);
    this.pckChain = List.copyOf(pckChain);
    try {
      this.pckExtension = SgxExtensionParser.parse(pckChain.get(0));
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("the first certificate of the chain is not a valid PCK leaf", e);
    }
    this.attestationKey = DerivedKey.derive("kubesgx-test-attestation-key", format.name());
    this.qeMrSigner = format.tdx ? TEST_TD_QE_MRSIGNER : TEST_QE_MRSIGNER;
    this.qeMrEnclave = sha256(format.tdx ? "kubesgx TEST TD_QE enclave" : "kubesgx TEST QE enclave");
    this.qeIsvProdId = format.tdx ? 2 : 1;
  }

  /**
   * Returns a builder for {@code format} whose PCK leaf is {@code pck} and whose certification data
   * carries {@code pckChain} (leaf first; the first certificate must be {@code pck}'s).
   */
  public static QuoteBuilder newBuilder(Format format, DcapPki.Issued pck, List<X509Certificate> pckChain) {
    if (!pckChain.get(0).equals(pck.certificate())) {
      throw new IllegalArgumentException("the chain must start with the PCK leaf");
    }
    return new QuoteBuilder(format, pck.key(), pckChain);
  }

  /** Returns a builder for {@code format} with the full chain of {@code pck} from {@code pki}. */
  public static QuoteBuilder newBuilder(Format format, DcapPki pki, DcapPki.Issued pck) {
    return newBuilder(format, pck, pki.pckChain(pck));
  }

  /** Returns an SGX v3 quote builder. */
  public static QuoteBuilder sgxV3(DcapPki pki, DcapPki.Issued pck) {
    return newBuilder(Format.SGX_V3, pki, pck);
  }

  /** Returns an SGX v4 (TEE type 0) quote builder. */
  public static QuoteBuilder sgxV4(DcapPki pki, DcapPki.Issued pck) {
    return newBuilder(Format.SGX_V4, pki, pck);
  }

  /** Returns a TDX v4 (TD 1.0) quote builder. */
  public static QuoteBuilder tdxV4(DcapPki pki, DcapPki.Issued pck) {
    return newBuilder(Format.TDX_V4, pki, pck);
  }

  /** Returns a TDX v5 quote builder with a TD 1.5 body ({@code td15}) or a TD 1.0 body. */
  public static QuoteBuilder tdxV5(DcapPki pki, DcapPki.Issued pck, boolean td15) {
    return newBuilder(td15 ? Format.TDX_V5_TD15 : Format.TDX_V5_TD10, pki, pck);
  }

  // --------------------------------------------------------------------------------------------
  // header

  /** Sets the attestation key (default: derived from the format name). */
  public QuoteBuilder attestationKey(DerivedKey key) {
    this.attestationKey = Objects.requireNonNull(key);
    return this;
  }

  /** Sets the header attestation key type (default 2, ECDSA-256 P-256). */
  public QuoteBuilder attestationKeyType(int type) {
    this.attestationKeyType = type;
    return this;
  }

  /** Sets the header QE vendor ID (hex, 16 bytes; default Intel's). */
  public QuoteBuilder qeVendorId(String hex) {
    this.qeVendorId = hex(hex);
    return this;
  }

  /** Sets the 20-byte header user data. */
  public QuoteBuilder userData(Bytes userData) {
    this.userData = fixed(userData, 20, "user data");
    return this;
  }

  /** Sets the v3 header QE SVN and PCE SVN (default: QE ISVSVN and the PCK's PCESVN). */
  public QuoteBuilder headerSvns(int qeSvn, int pceSvn) {
    this.headerQeSvn = qeSvn;
    this.headerPceSvn = pceSvn;
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // SGX enclave report body

  /** Sets CPUSVN of the application report (default: the PCK CPUSVN). */
  public QuoteBuilder cpuSvn(Bytes cpuSvn) {
    this.cpuSvn = fixed(cpuSvn, 16, "CPUSVN");
    return this;
  }

  /** Sets MISCSELECT. */
  public QuoteBuilder miscSelect(long miscSelect) {
    this.miscSelect = miscSelect;
    return this;
  }

  /** Sets ISVEXTPRODID (16 bytes). */
  public QuoteBuilder isvExtProdId(Bytes v) {
    this.isvExtProdId = fixed(v, 16, "ISVEXTPRODID");
    return this;
  }

  /** Sets ATTRIBUTES flags and XFRM (default 0x05 INIT|MODE64BIT, 0x03). */
  public QuoteBuilder attributes(long flags, long xfrm) {
    this.attributeFlags = flags;
    this.xfrm = xfrm;
    return this;
  }

  /** Sets or clears the DEBUG attribute (SGX flag 0x2; TDX TDATTRIBUTES byte 0 bit 0). */
  public QuoteBuilder debug(boolean debug) {
    this.attributeFlags = debug ? attributeFlags | FLAG_DEBUG : attributeFlags & ~FLAG_DEBUG;
    this.tdDebug = debug;
    return this;
  }

  /** Sets MRENCLAVE (32 bytes). */
  public QuoteBuilder mrEnclave(Bytes v) {
    this.mrEnclave = fixed(v, 32, "MRENCLAVE");
    return this;
  }

  /** Sets MRSIGNER (32 bytes). */
  public QuoteBuilder mrSigner(Bytes v) {
    this.mrSigner = fixed(v, 32, "MRSIGNER");
    return this;
  }

  /** Sets CONFIGID (64 bytes). */
  public QuoteBuilder configId(Bytes v) {
    this.configId = fixed(v, 64, "CONFIGID");
    return this;
  }

  /** Sets ISVPRODID. */
  public QuoteBuilder isvProdId(int v) {
    this.isvProdId = v;
    return this;
  }

  /** Sets ISVSVN. */
  public QuoteBuilder isvSvn(int v) {
    this.isvSvn = v;
    return this;
  }

  /** Sets CONFIGSVN. */
  public QuoteBuilder configSvn(int v) {
    this.configSvn = v;
    return this;
  }

  /** Sets ISVFAMILYID (16 bytes). */
  public QuoteBuilder isvFamilyId(Bytes v) {
    this.isvFamilyId = fixed(v, 16, "ISVFAMILYID");
    return this;
  }

  /** Sets REPORTDATA (at most 64 bytes, zero-padded) of the SGX or TD body. */
  public QuoteBuilder reportData(Bytes v) {
    this.reportData = pad(v, 64, "REPORTDATA");
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // TD report body

  /** Sets TEE_TCB_SVN (16 bytes; byte 0 module SVN, byte 1 module major version). */
  public QuoteBuilder teeTcbSvn(Bytes v) {
    this.teeTcbSvn = fixed(v, 16, "TEE_TCB_SVN");
    return this;
  }

  /** Sets TEE_TCB_SVN from leading values; the rest are zero. */
  public QuoteBuilder teeTcbSvn(int... svns) {
    byte[] b = new byte[16];
    for (int i = 0; i < svns.length; i++) {
      b[i] = (byte) svns[i];
    }
    this.teeTcbSvn = Bytes.of(b);
    return this;
  }

  /** Sets MRSEAM (48 bytes). */
  public QuoteBuilder mrSeam(Bytes v) {
    this.mrSeam = fixed(v, 48, "MRSEAM");
    return this;
  }

  /** Sets MRSIGNERSEAM (48 bytes; default zero, matching the default TCB info module signer). */
  public QuoteBuilder mrSignerSeam(Bytes v) {
    this.mrSignerSeam = fixed(v, 48, "MRSIGNERSEAM");
    return this;
  }

  /** Sets SEAMATTRIBUTES (8 bytes). */
  public QuoteBuilder seamAttributes(Bytes v) {
    this.seamAttributes = fixed(v, 8, "SEAMATTRIBUTES");
    return this;
  }

  /** Sets TDATTRIBUTES (8 bytes; default SEPT_VE_DISABLE set, no debug). */
  public QuoteBuilder tdAttributes(Bytes v) {
    this.tdAttributes = fixed(v, 8, "TDATTRIBUTES");
    return this;
  }

  /** Sets XFAM (8 bytes). */
  public QuoteBuilder xfam(Bytes v) {
    this.xfam = fixed(v, 8, "XFAM");
    return this;
  }

  /** Sets MRTD (48 bytes). */
  public QuoteBuilder mrTd(Bytes v) {
    this.mrTd = fixed(v, 48, "MRTD");
    return this;
  }

  /** Sets MRCONFIGID, MROWNER and MROWNERCONFIG (48 bytes each). */
  public QuoteBuilder tdOwnerFields(Bytes mrConfigId, Bytes mrOwner, Bytes mrOwnerConfig) {
    this.mrConfigId = fixed(mrConfigId, 48, "MRCONFIGID");
    this.mrOwner = fixed(mrOwner, 48, "MROWNER");
    this.mrOwnerConfig = fixed(mrOwnerConfig, 48, "MROWNERCONFIG");
    return this;
  }

  /** Sets RTMR{@code index} (48 bytes). */
  public QuoteBuilder rtmr(int index, Bytes v) {
    this.rtmrs[index] = fixed(v, 48, "RTMR" + index);
    return this;
  }

  /** Sets TEE_TCB_SVN2 of a TD 1.5 body (default: equal to TEE_TCB_SVN). */
  public QuoteBuilder teeTcbSvn2(Bytes v) {
    this.teeTcbSvn2 = fixed(v, 16, "TEE_TCB_SVN2");
    return this;
  }

  /** Sets MRSERVICETD of a TD 1.5 body (48 bytes). */
  public QuoteBuilder mrServiceTd(Bytes v) {
    this.mrServiceTd = fixed(v, 48, "MRSERVICETD");
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // QE report

  /** Sets the QE report's CPUSVN (default: the PCK CPUSVN). */
  public QuoteBuilder qeCpuSvn(Bytes v) {
    this.qeCpuSvn = fixed(v, 16, "QE CPUSVN");
    return this;
  }

  /** Sets the QE MISCSELECT (default 0). */
  public QuoteBuilder qeMiscSelect(long v) {
    this.qeMiscSelect = v;
    return this;
  }

  /** Sets the QE ATTRIBUTES flags and XFRM (default 0x15, 0xe7). */
  public QuoteBuilder qeAttributes(long flags, long xfrm) {
    this.qeAttributeFlags = flags;
    this.qeXfrm = xfrm;
    return this;
  }

  /** Sets the QE MRENCLAVE. */
  public QuoteBuilder qeMrEnclave(Bytes v) {
    this.qeMrEnclave = fixed(v, 32, "QE MRENCLAVE");
    return this;
  }

  /** Sets the QE MRSIGNER (default {@link #TEST_QE_MRSIGNER} / {@link #TEST_TD_QE_MRSIGNER}). */
  public QuoteBuilder qeMrSigner(Bytes v) {
    this.qeMrSigner = fixed(v, 32, "QE MRSIGNER");
    return this;
  }

  /** Sets the QE ISVPRODID (default 1 for SGX, 2 for TDX). */
  public QuoteBuilder qeIsvProdId(int v) {
    this.qeIsvProdId = v;
    return this;
  }

  /** Sets the QE ISVSVN (default {@value #DEFAULT_QE_ISVSVN}). */
  public QuoteBuilder qeIsvSvn(int v) {
    this.qeIsvSvn = v;
    return this;
  }

  /** Sets the QE authentication data (any length up to 65535; default 00..1f). */
  public QuoteBuilder qeAuthData(Bytes v) {
    if (v.length() > 0xffff) {
      throw new IllegalArgumentException("QE auth data longer than 65535 bytes");
    }
    this.qeAuthData = v;
    return this;
  }

  // --------------------------------------------------------------------------------------------
  // certification data and breakage

  /**
   * Replaces the (inner) certification data with {@code type} and {@code payload}, for example type
   * 3 with a 404-byte encrypted-PPID payload, so the quote carries no PCK chain.
   */
  public QuoteBuilder certificationData(int type, Bytes payload) {
    this.certificationType = type;
    this.certificationPayload = Objects.requireNonNull(payload);
    return this;
  }

  /** Writes the type-5 PEM chain in this order instead of leaf → intermediate → root. */
  public QuoteBuilder pckChainOrder(List<X509Certificate> order) {
    this.chainOrder = List.copyOf(order);
    return this;
  }

  /** Whether the type-5 PEM chain ends with one NUL byte, as real quotes do (default true). */
  public QuoteBuilder nulTerminatedChain(boolean nul) {
    this.nulTerminator = nul;
    return this;
  }

  /** Signs the QE report with {@code key} instead of the PCK leaf key (the signature then fails). */
  public QuoteBuilder qeReportSigner(DerivedKey key) {
    this.qeReportSigner = Objects.requireNonNull(key);
    return this;
  }

  /** Flips one bit of the QE REPORTDATA before the QE report is signed (binding check fails). */
  public QuoteBuilder corruptQeReportData() {
    this.corruptQeReportData = true;
    return this;
  }

  /** Flips one bit of the QE report signature after signing. */
  public QuoteBuilder corruptQeReportSignature() {
    this.corruptQeReportSignature = true;
    return this;
  }

  /** Flips one bit of the quote signature after signing. */
  public QuoteBuilder corruptQuoteSignature() {
    this.corruptQuoteSignature = true;
    return this;
  }

  /** Appends {@code n} zero bytes after the quote (a zero-padded buffer as real TDX stacks hand out). */
  public QuoteBuilder trailingZeros(int n) {
    this.trailingZeros = n;
    return this;
  }

  // --------------------------------------------------------------------------------------------

  /** Returns the attestation key the quote will be signed with. */
  public DerivedKey attestationKey() {
    return attestationKey;
  }

  /** Builds the quote bytes. */
  public byte[] build() {
    LeWriter signed = new LeWriter();
    // header (48 bytes)
    signed.u16(format.version).u16(attestationKeyType).u32(format.tdx ? TEE_TYPE_TDX : 0);
    if (format.version == 3) {
      signed.u16(headerQeSvn != null ? headerQeSvn : qeIsvSvn);
      signed.u16(headerPceSvn != null ? headerPceSvn : pckExtension.pceSvn());
    } else {
      signed.zeros(4);
    }
    signed.fixed(qeVendorId, 16).fixed(userData, 20);
    // body
    byte[] body = format.tdx ? tdBody() : enclaveReport(appReport());
    if (format.version == 5) {
      signed.u16(format.v5BodyType).u32(body.length);
    }
    signed.bytes(body);
    byte[] signedRegion = signed.toByteArray();

    Bytes attKeyXy = attestationKey.publicXy();
    byte[] qeReport = enclaveReport(qeReportFields(attKeyXy));
    byte[] qeSig = (qeReportSigner != null ? qeReportSigner : pckKey).signP1363(qeReport).toByteArray();
    if (corruptQeReportSignature) {
      qeSig[10] ^= 0x01;
    }
    byte[] quoteSig = attestationKey.signP1363(signedRegion).toByteArray();
    if (corruptQuoteSignature) {
      quoteSig[40] ^= 0x01;
    }

    int innerType = certificationType != null ? certificationType : CertificationData.PCK_CHAIN;
    Bytes innerData = certificationPayload != null ? certificationPayload : pemChain();
    LeWriter sig = new LeWriter();
    sig.bytes(quoteSig).bytes(attKeyXy);
    if (format.version == 3) {
      sig.bytes(qeReport).bytes(qeSig).u16(qeAuthData.length()).bytes(qeAuthData)
          .u16(innerType).u32(innerData.length()).bytes(innerData);
    } else {
      LeWriter t6 = new LeWriter();
      t6.bytes(qeReport).bytes(qeSig).u16(qeAuthData.length()).bytes(qeAuthData)
          .u16(innerType).u32(innerData.length()).bytes(innerData);
      byte[] payload = t6.toByteArray();
      sig.u16(CertificationData.QE_REPORT).u32(payload.length).bytes(payload);
    }
    byte[] sigData = sig.toByteArray();
    return new LeWriter().bytes(signedRegion).u32(sigData.length).bytes(sigData).zeros(trailingZeros).toByteArray();
  }

  private Bytes pemChain() {
    String pem = DcapPki.toPem(chainOrder != null ? chainOrder : pckChain);
    byte[] text = pem.getBytes(StandardCharsets.US_ASCII);
    return nulTerminator ? Bytes.of(text).concat(Bytes.zeros(1)) : Bytes.of(text);
  }

  private ReportFields appReport() {
    ReportFields r = new ReportFields();
    r.cpuSvn = cpuSvn != null ? cpuSvn : pckExtension.cpuSvn();
    r.miscSelect = miscSelect;
    r.isvExtProdId = isvExtProdId;
    r.flags = attributeFlags;
    r.xfrm = xfrm;
    r.mrEnclave = mrEnclave;
    r.mrSigner = mrSigner;
    r.configId = configId;
    r.isvProdId = isvProdId;
    r.isvSvn = isvSvn;
    r.configSvn = configSvn;
    r.isvFamilyId = isvFamilyId;
    r.reportData = reportData;
    return r;
  }

  private ReportFields qeReportFields(Bytes attKeyXy) {
    ReportFields r = new ReportFields();
    r.cpuSvn = qeCpuSvn != null ? qeCpuSvn : pckExtension.cpuSvn();
    r.miscSelect = qeMiscSelect;
    r.isvExtProdId = Bytes.zeros(16);
    r.flags = qeAttributeFlags;
    r.xfrm = qeXfrm;
    r.mrEnclave = qeMrEnclave;
    r.mrSigner = qeMrSigner;
    r.configId = Bytes.zeros(64);
    r.isvProdId = qeIsvProdId;
    r.isvSvn = qeIsvSvn;
    r.configSvn = 0;
    r.isvFamilyId = Bytes.zeros(16);
    // spec: step 6 — QE REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes.
    byte[] hash = attKeyXy.concat(qeAuthData).sha256().toByteArray();
    if (corruptQeReportData) {
      hash[0] ^= 0x01;
    }
    r.reportData = Bytes.of(hash).concat(Bytes.zeros(32));
    return r;
  }

  private static final class ReportFields {
    Bytes cpuSvn;
    long miscSelect;
    Bytes isvExtProdId;
    long flags;
    long xfrm;
    Bytes mrEnclave;
    Bytes mrSigner;
    Bytes configId;
    int isvProdId;
    int isvSvn;
    int configSvn;
    Bytes isvFamilyId;
    Bytes reportData;
  }

  /** Encodes an SGX report body (384 bytes, dcap-verification.md §1.2). */
  private static byte[] enclaveReport(ReportFields r) {
    LeWriter w = new LeWriter();
    w.fixed(r.cpuSvn, 16).u32(r.miscSelect).zeros(12).fixed(r.isvExtProdId, 16)
        .u64(r.flags).u64(r.xfrm)
        .fixed(r.mrEnclave, 32).zeros(32).fixed(r.mrSigner, 32).zeros(32)
        .fixed(r.configId, 64).u16(r.isvProdId).u16(r.isvSvn).u16(r.configSvn).zeros(42)
        .fixed(r.isvFamilyId, 16).fixed(r.reportData, 64);
    if (w.size() != 384) {
      throw new IllegalStateException("enclave report is " + w.size() + " bytes");
    }
    return w.toByteArray();
  }

  /** Encodes a TD 1.0 (584 bytes) or TD 1.5 (648 bytes) body (dcap-verification.md §1.3). */
  private byte[] tdBody() {
    byte[] attrs = tdAttributes.toByteArray();
    attrs[0] = (byte) (tdDebug ? attrs[0] | 0x01 : attrs[0] & ~0x01);
    LeWriter w = new LeWriter();
    w.fixed(teeTcbSvn, 16).fixed(mrSeam, 48).fixed(mrSignerSeam, 48).fixed(seamAttributes, 8)
        .bytes(attrs).fixed(xfam, 8).fixed(mrTd, 48).fixed(mrConfigId, 48).fixed(mrOwner, 48)
        .fixed(mrOwnerConfig, 48);
    for (Bytes rtmr : rtmrs) {
      w.fixed(rtmr, 48);
    }
    w.fixed(reportData, 64);
    if (format == Format.TDX_V5_TD15) {
      w.fixed(teeTcbSvn2 != null ? teeTcbSvn2 : teeTcbSvn, 16).fixed(mrServiceTd, 48);
    }
    return w.toByteArray();
  }

  private static Bytes fixed(Bytes v, int size, String what) {
    if (v.length() != size) {
      throw new IllegalArgumentException(what + " must be " + size + " bytes, got " + v.length());
    }
    return v;
  }

  private static Bytes pad(Bytes v, int size, String what) {
    if (v.length() > size) {
      throw new IllegalArgumentException(what + " must be at most " + size + " bytes, got " + v.length());
    }
    return v.concat(Bytes.zeros(size - v.length()));
  }

  static Bytes sha256(String s) {
    return Bytes.of(s.getBytes(StandardCharsets.UTF_8)).sha256();
  }

  private static Bytes sha384like(String s) {
    return sha256(s).concat(sha256(s + "#2").slice(0, 16));
  }

  private static Bytes defaultAuthData() {
    byte[] b = new byte[32];
    for (int i = 0; i < 32; i++) {
      b[i] = (byte) i;
    }
    return Bytes.of(b);
  }

  private static Bytes hex(String hex) {
    try {
      return Bytes.fromHex(hex);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("bad hex: " + hex, e);
    }
  }
}
