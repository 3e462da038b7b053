package io.kubesgx.sim;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.quote.QuoteHeader;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.internal.EcdsaSigner;
import io.kubesgx.sim.pki.DcapPki;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;

/**
 * The simulated QE3: checks an application enclave's REPORT (EGETKEY(REPORT) and its MAC, as the
 * real QE does), then signs header ‖ report body with its ECDSA attestation key and appends the
 * certification data — the QE report certified by the PCE with the PCK key, the authentication
 * data and the PCK certificate chain (type 5; inside type 6 for version 4).
 *
 * <p>Thread-safe: many threads may quote at once.
 */
public final class QuotingEnclave {
  /** Attestation key type ECDSA-256-with-P-256 curve. */
  public static final int ATT_KEY_TYPE_ECDSA_P256 = 2;
  /** Intel's QE vendor ID, which the simulated QE reports too (the quote format requires it). */
  public static final Bytes INTEL_QE_VENDOR_ID = hex(QuoteHeader.INTEL_QE_VENDOR_ID);

  private static final int HEADER = 48;
  private static final int BODY = 384;
  private static final int SIGNED = HEADER + BODY;

  private final SimPlatform platform;
  private final SimEnclave qe;
  private final Bytes attestationKey;
  private final Bytes qeReportBody;
  private final Bytes qeReportSignature;
  private final Bytes qeId;
  private final EcdsaSigner signer;
  private final byte[][] headers = new byte[5][];
  private final byte[][] tails = new byte[5][];

  QuotingEnclave(
      SimPlatform platform, SimEnclave qe, KeyPair attestationKeyPair, Bytes attestationKey, Bytes qeReportBody,
      Bytes qeReportSignature, Bytes qeId) {
    this.platform = platform;
    this.qe = qe;
    this.attestationKey = attestationKey;
    this.qeReportBody = qeReportBody;
    this.qeReportSignature = qeReportSignature;
    this.qeId = qeId;
    this.signer = new EcdsaSigner(attestationKeyPair.getPrivate());
    for (int v = 3; v <= 4; v++) {
      headers[v] = header(v);
      tails[v] = tail(v);
    }
  }

  /** Returns the QE's TARGETINFO, at which an enclave targets the REPORT it wants quoted. */
  public TargetInfo targetInfo() {
    return qe.targetInfo();
  }

  /** Returns the 64-byte X‖Y attestation public key. */
  public Bytes attestationKey() {
    return attestationKey;
  }

  /** Returns the QE's 16-byte platform-unique ID, carried in the quote header's user data. */
  public Bytes qeId() {
    return qeId;
  }

  /** Returns the certified QE report body (384 bytes). */
  public Bytes qeReportBody() {
    return qeReportBody;
  }

  /** Returns the PCE's r‖s signature of the QE report body with the PCK key. */
  public Bytes qeReportSignature() {
    return qeReportSignature;
  }

  /** Returns the size in bytes of a quote of {@code version} (3 or 4). */
  public int quoteSize(int version) throws QuoteException {
    checkVersion(version);
    return SIGNED + 4 + 128 + tails[version].length;
  }

  /** Parses {@code report} (432 bytes) and quotes it; see {@link #quote(Report, int)}. */
  public byte[] quote(Bytes report, int version) throws QuoteException {
    Report r;
    try {
      r = Report.parse(report);
    } catch (MalformedInputException e) {
      throw new QuoteException(QuoteException.Reason.MALFORMED_REPORT, "not an SGX REPORT: " + e.getMessage());
    }
    return quote(r, version);
  }

  /**
   * Returns a quote of {@code version} (3, or 4 with certification data type 6) over {@code report}
   * after checking its MAC against this QE's report key.
   */
  public byte[] quote(Report report, int version) throws QuoteException {
    checkVersion(version);
    if (!platform.cpu().verifyReport(qe, report)) {
      throw new QuoteException(
          QuoteException.Reason.INVALID_REPORT,
          "the REPORT's MAC does not verify: create it on this platform with EREPORT targeted at this QE's TARGETINFO");
    }
    byte[] tail = tails[version];
    byte[] q = new byte[SIGNED + 4 + 128 + tail.length];
    System.arraycopy(headers[version], 0, q, 0, HEADER);
    System.arraycopy(report.body().raw().toByteArray(), 0, q, HEADER, BODY);
    int sigLen = 128 + tail.length;
    q[SIGNED] = (byte) sigLen;
    q[SIGNED + 1] = (byte) (sigLen >>> 8);
    q[SIGNED + 2] = (byte) (sigLen >>> 16);
    q[SIGNED + 3] = (byte) (sigLen >>> 24);
    signer.sign(q, 0, SIGNED, q, SIGNED + 4);
    System.arraycopy(attestationKey.toByteArray(), 0, q, SIGNED + 4 + 64, 64);
    System.arraycopy(tail, 0, q, SIGNED + 4 + 128, tail.length);
    return q;
  }

  private static void checkVersion(int version) throws QuoteException {
    if (version != 3 && version != 4) {
      throw new QuoteException(
          QuoteException.Reason.UNSUPPORTED_VERSION, "quote version " + version + " is not supported; use 3 or 4");
    }
  }

  private byte[] header(int version) {
    ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) version).putShort((short) ATT_KEY_TYPE_ECDSA_P256).putInt(0);
    if (version == 3) {
      b.putShort((short) platform.config().qeSvn()).putShort((short) platform.config().pceSvn());
    } else {
      b.putInt(0);
    }
    b.put(INTEL_QE_VENDOR_ID.toByteArray()).put(qeId.toByteArray()).put(new byte[4]);
    return b.array();
  }

  private byte[] tail(int version) {
    byte[] chain =
        Bytes.of(DcapPki.toPem(platform.pckChain()).getBytes(StandardCharsets.US_ASCII)).concat(Bytes.zeros(1))
            .toByteArray();
    Bytes auth = SimPlatform.QE_AUTH_DATA;
    ByteBuffer inner = ByteBuffer.allocate(BODY + 64 + 2 + auth.length() + 2 + 4 + chain.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    inner.put(qeReportBody.toByteArray()).put(qeReportSignature.toByteArray())
        .putShort((short) auth.length()).put(auth.toByteArray())
        .putShort((short) 5).putInt(chain.length).put(chain);
    if (version == 3) {
      return inner.array();
    }
    byte[] payload = inner.array();
    return ByteBuffer.allocate(6 + payload.length).order(ByteOrder.LITTLE_ENDIAN)
        .putShort((short) 6).putInt(payload.length).put(payload).array();
  }

  private static Bytes hex(String h) {
    try {
      return Bytes.fromHex(h);
    } catch (MalformedInputException e) {
      throw new IllegalStateException(e);
    }
  }
}
