package io.kubesgx.enclave;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.quote.EnclaveReportBody;

/**
 * REPORT (432 bytes): the 384-byte report body, the 32-byte KEYID and the 16-byte AES-CMAC over the
 * body.
 *
 * <p>Layout from {@code enclave-measurement.md} §4.1 ({@code sgx_report_t}); the body is the same
 * structure a quote carries, so it is an {@link EnclaveReportBody}.
 *
 * @param body the report body (bytes 0..383)
 * @param keyId KEYID (32 bytes at 384), selects the report key the target derives
 * @param mac MAC (16 bytes at 416) over body bytes [0, 384)
 * @see <a href="https://github.com/intel/linux-sgx">sgx_report_t</a>
 */
public record Report(EnclaveReportBody body, Bytes keyId, Bytes mac) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 432;

  /** Checks sizes. */
  public Report {
    if (body.raw().length() != EnclaveReportBody.SIZE) {
      throw new IllegalArgumentException("report body must be 384 bytes, got " + body.raw().length());
    }
    if (keyId.length() != 32) {
      throw new IllegalArgumentException("REPORT.KEYID must be 32 bytes, got " + keyId.length());
    }
    if (mac.length() != 16) {
      throw new IllegalArgumentException("REPORT.MAC must be 16 bytes, got " + mac.length());
    }
  }

  /** Parses exactly {@link #SIZE} bytes. */
  public static Report parse(Bytes bytes) throws MalformedInputException {
    if (bytes.length() != SIZE) {
      throw new MalformedInputException("REPORT must be exactly " + SIZE + " bytes, got " + bytes.length());
    }
    return new Report(EnclaveReportBody.parse(bytes.slice(0, 384)), bytes.slice(384, 416), bytes.slice(416, 432));
  }

  /** Returns the 432-byte encoding. */
  public Bytes toBytes() {
    return body.raw().concat(keyId).concat(mac);
  }
}
