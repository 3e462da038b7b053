package io.kubesgx.quote;

import io.kubesgx.common.ByteReader;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.util.List;
import java.util.Optional;

/**
 * A TDX TD report body: TD 1.0 (584 bytes, {@code sgx_report2_body_t}) or TD 1.5 (648 bytes,
 * {@code sgx_report2_body_v1_5_t}, which appends TEE_TCB_SVN2 and MRSERVICETD).
 */
public record TdReportBody(
    Bytes raw,
    Bytes teeTcbSvn,
    Bytes mrSeam,
    Bytes mrSignerSeam,
    Bytes seamAttributes,
    Bytes tdAttributes,
    Bytes xfam,
    Bytes mrTd,
    Bytes mrConfigId,
    Bytes mrOwner,
    Bytes mrOwnerConfig,
    List<Bytes> rtmrs,
    Bytes reportData,
    Optional<Bytes> teeTcbSvn2,
    Optional<Bytes> mrServiceTd)
    implements QuoteBody {
  /** Size of a TD 1.0 body. */
  public static final int SIZE_V10 = 584;
  /** Size of a TD 1.5 body. */
  public static final int SIZE_V15 = 648;

  /** Creates a body; the RTMR list is copied. */
  public TdReportBody {
    rtmrs = List.copyOf(rtmrs);
  }

  static TdReportBody read(ByteReader outer, boolean v15) throws MalformedInputException {
    Bytes raw = outer.bytes(v15 ? SIZE_V15 : SIZE_V10, "TD report body");
    ByteReader r = ByteReader.of(raw);
    Bytes teeTcbSvn = r.bytes(16, "td.teeTcbSvn");
    Bytes mrSeam = r.bytes(48, "td.mrSeam");
    Bytes mrSignerSeam = r.bytes(48, "td.mrSignerSeam");
    Bytes seamAttr = r.bytes(8, "td.seamAttributes");
    Bytes tdAttr = r.bytes(8, "td.tdAttributes");
    Bytes xfam = r.bytes(8, "td.xfam");
    Bytes mrTd = r.bytes(48, "td.mrTd");
    Bytes mrConfigId = r.bytes(48, "td.mrConfigId");
    Bytes mrOwner = r.bytes(48, "td.mrOwner");
    Bytes mrOwnerConfig = r.bytes(48, "td.mrOwnerConfig");
    List<Bytes> rtmrs =
        List.of(
            r.bytes(48, "td.rtmr0"),
            r.bytes(48, "td.rtmr1"),
            r.bytes(48, "td.rtmr2"),
            r.bytes(48, "td.rtmr3"));
    Bytes reportData = r.bytes(64, "td.reportData");
    Optional<Bytes> svn2 = Optional.empty();
    Optional<Bytes> serviceTd = Optional.empty();
    if (v15) {
      svn2 = Optional.of(r.bytes(16, "td.teeTcbSvn2"));
      serviceTd = Optional.of(r.bytes(48, "td.mrServiceTd"));
    }
    r.expectEnd("TD report body");
    return new TdReportBody(
        raw, teeTcbSvn, mrSeam, mrSignerSeam, seamAttr, tdAttr, xfam, mrTd, mrConfigId, mrOwner,
        mrOwnerConfig, rtmrs, reportData, svn2, serviceTd);
  }

  /** Returns true for a TD 1.5 body. */
  public boolean isTd15() {
    return teeTcbSvn2.isPresent();
  }

  /** Returns true when the TD DEBUG bit (TDATTRIBUTES byte 0, bit 0) is set. */
  public boolean isDebug() {
    return (tdAttributes.get(0) & 0x01) != 0;
  }

  @Override
  public TeeType teeType() {
    return TeeType.TDX;
  }
}
