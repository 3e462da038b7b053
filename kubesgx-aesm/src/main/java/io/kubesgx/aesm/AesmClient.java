package io.kubesgx.aesm;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubesgx.aesm.internal.ChannelWatchdog;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A client for the AESM socket's out-of-process quoting calls, in pure Java (JDK 16+
 * UNIX-domain {@link SocketChannel}, no native code).
 *
 * <p>Like Intel's {@code libsgx_quote_ex}, it opens a <b>new connection per request</b>, writes one
 * length-prefixed {@code aesm.message.Request}, reads one {@code Response} and closes. Every call is
 * bounded by the client's timeout, which is also sent to the service in the request's
 * {@code timeout} field (milliseconds). Thread-safe; holds no connection between calls.
 *
 * <pre>{@code
 * AesmClient aesm = AesmClient.create(AesmClient.DEFAULT_SOCKET, Duration.ofSeconds(15));
 * AttKeyId keyId = aesm.selectAttKeyId(List.of());
 * AesmClient.InitQuoteExResult init = aesm.initQuoteEx(Optional.of(keyId), false);
 * byte[] report = enclave.report(init.targetInfo(), reportData);   // EREPORT in the enclave
 * int size = aesm.getQuoteSizeEx(Optional.of(keyId));
 * byte[] quote = aesm.getQuoteEx(report, Optional.of(keyId), Optional.empty(), size).quote();
 * }</pre>
 */
public final class AesmClient {
  /** The AESM socket path used by Intel's PSW and mounted into pods by the quote helper. */
  public static final Path DEFAULT_SOCKET = Path.of("/var/run/aesmd/aesm.socket");
  /** The default per-call timeout; {@code libsgx_quote_ex} sends 15000 ms for the *Ex calls. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  private final Path socket;
  private final Duration timeout;
  private final int maxFrame;

  private AesmClient(Path socket, Duration timeout, int maxFrame) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    this.maxFrame = maxFrame;
  }

  /** Returns a client for {@code socket} with the {@linkplain #DEFAULT_TIMEOUT default timeout}. */
  public static AesmClient create(Path socket) {
    return new AesmClient(socket, DEFAULT_TIMEOUT, AesmFraming.DEFAULT_MAX_FRAME);
  }

  /** Returns a client for {@code socket} whose calls each take at most {@code timeout}. */
  public static AesmClient create(Path socket, Duration timeout) {
    return new AesmClient(socket, timeout, AesmFraming.DEFAULT_MAX_FRAME);
  }

  /** Returns the socket path. */
  public Path socket() {
    return socket;
  }

  /** Returns the per-call timeout. */
  public Duration timeout() {
    return timeout;
  }

  private int timeoutMs() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** The answer to InitQuoteEx: the QE's TARGETINFO and, when asked for, the attestation public key ID. */
  public static final class InitQuoteExResult {
    private final byte[] targetInfo;
    private final long pubKeyIdSize;
    private final byte[] pubKeyId;

    InitQuoteExResult(byte[] targetInfo, long pubKeyIdSize, byte[] pubKeyId) {
      this.targetInfo = targetInfo.clone();
      this.pubKeyIdSize = pubKeyIdSize;
      this.pubKeyId = pubKeyId == null ? null : pubKeyId.clone();
    }

    /** Returns the quoting enclave's 512-byte TARGETINFO. */
    public byte[] targetInfo() {
      return targetInfo.clone();
    }

    /** Returns the size of the public key ID (32 for ECDSA: a SHA-256 hash). */
    public long pubKeyIdSize() {
      return pubKeyIdSize;
    }

    /** Returns the public key ID when it was requested and returned. */
    public Optional<byte[]> pubKeyId() {
      return Optional.ofNullable(pubKeyId).map(byte[]::clone);
    }
  }

  /** The answer to GetQuoteEx: the quote and, when a QE report info was sent, the filled-in one. */
  public static final class QuoteExResult {
    private final byte[] quote;
    private final byte[] qeReportInfo;

    QuoteExResult(byte[] quote, byte[] qeReportInfo) {
      this.quote = quote.clone();
      this.qeReportInfo = qeReportInfo == null ? null : qeReportInfo.clone();
    }

    /** Returns the quote. */
    public byte[] quote() {
      return quote.clone();
    }

    /** Returns the 960-byte {@code sgx_ql_qe_report_info_t} with the QE's REPORT, if requested. */
    public Optional<byte[]> qeReportInfo() {
      return Optional.ofNullable(qeReportInfo).map(byte[]::clone);
    }
  }

  /**
   * InitQuoteEx (request field 15): returns the QE's TARGETINFO for {@code attKeyId} (absent: the
   * service's default key).
   *
   * @param wantPubKeyId also ask for the attestation public key ID (a 32-byte hash for ECDSA)
   */
  public InitQuoteExResult initQuoteEx(Optional<AttKeyId> attKeyId, boolean wantPubKeyId) throws AesmException {
    Request.InitQuoteExRequest.Builder r = Request.InitQuoteExRequest.newBuilder()
        .setBPubKeyId(wantPubKeyId)
        .setTimeout(timeoutMs());
    attKeyId.ifPresent(k -> r.setAttKeyId(ByteString.copyFrom(k.encode())));
    if (wantPubKeyId) {
      r.setBufSize(32);
    }
    Response res = transact(Request.newBuilder().setInitQuoteExReq(r).buildPartial());
    if (!res.hasInitQuoteExRes()) {
      throw wrongAnswer("InitQuoteEx", res);
    }
    Response.InitQuoteExResponse a = res.getInitQuoteExRes();
    check("InitQuoteEx", a.getErrorCode());
    if (a.getTargetInfo().size() != 512) {
      throw AesmException.of(AesmException.Kind.PROTOCOL,
          "InitQuoteEx answered a " + a.getTargetInfo().size() + "-byte TARGETINFO; expected 512", null);
    }
    return new InitQuoteExResult(
        a.getTargetInfo().toByteArray(), a.getPubKeyIdSize(), a.hasPubKeyId() ? a.getPubKeyId().toByteArray() : null);
  }

  /** GetQuoteSizeEx (request field 16): returns the size of a quote for {@code attKeyId}. */
  public int getQuoteSizeEx(Optional<AttKeyId> attKeyId) throws AesmException {
    Request.GetQuoteSizeExRequest.Builder r = Request.GetQuoteSizeExRequest.newBuilder().setTimeout(timeoutMs());
    attKeyId.ifPresent(k -> r.setAttKeyId(ByteString.copyFrom(k.encode())));
    Response res = transact(Request.newBuilder().setGetQuoteSizeExReq(r).buildPartial());
    if (!res.hasGetQuoteSizeExRes()) {
      throw wrongAnswer("GetQuoteSizeEx", res);
    }
    check("GetQuoteSizeEx", res.getGetQuoteSizeExRes().getErrorCode());
    int size = res.getGetQuoteSizeExRes().getQuoteSize();
    if (size <= 0 || size > maxFrame) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "GetQuoteSizeEx answered an implausible size " + Integer.toUnsignedString(size), null);
    }
    return size;
  }

  /**
   * GetQuoteEx (request field 17): quotes a 432-byte REPORT targeted at the QE.
   *
   * @param qeReportInfo optional 960-byte {@code sgx_ql_qe_report_info_t} (nonce + app TARGETINFO)
   * @param bufSize the size from {@link #getQuoteSizeEx}
   */
  public QuoteExResult getQuoteEx(byte[] report, Optional<AttKeyId> attKeyId, Optional<byte[]> qeReportInfo, int bufSize)
      throws AesmException {
    Objects.requireNonNull(report, "report");
    Request.GetQuoteExRequest.Builder r = Request.GetQuoteExRequest.newBuilder()
        .setReport(ByteString.copyFrom(report))
        .setBufSize(bufSize)
        .setTimeout(timeoutMs());
    attKeyId.ifPresent(k -> r.setAttKeyId(ByteString.copyFrom(k.encode())));
    qeReportInfo.ifPresent(q -> r.setQeReportInfo(ByteString.copyFrom(q)));
    Response res = transact(Request.newBuilder().setGetQuoteExReq(r).buildPartial());
    if (!res.hasGetQuoteExRes()) {
      throw wrongAnswer("GetQuoteEx", res);
    }
    Response.GetQuoteExResponse a = res.getGetQuoteExRes();
    check("GetQuoteEx", a.getErrorCode());
    if (a.getQuote().isEmpty()) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "GetQuoteEx answered success without a quote", null);
    }
    return new QuoteExResult(a.getQuote().toByteArray(), a.hasQeReportInfo() ? a.getQeReportInfo().toByteArray() : null);
  }

  /** GetSupportedAttKeyIDNum (request field 21). */
  public int getSupportedAttKeyIdNum() throws AesmException {
    Response res = transact(Request.newBuilder()
        .setGetSupportedAttKeyIDNumReq(Request.GetSupportedAttKeyIDNumRequest.newBuilder().setTimeout(timeoutMs()))
        .buildPartial());
    if (!res.hasGetSupportedAttKeyIDNumRes()) {
      throw wrongAnswer("GetSupportedAttKeyIDNum", res);
    }
    check("GetSupportedAttKeyIDNum", res.getGetSupportedAttKeyIDNumRes().getErrorCode());
    return res.getGetSupportedAttKeyIDNumRes().getAttKeyIdNum();
  }

  /** GetSupportedAttKeyIDNum then GetSupportedAttKeyIDs (request fields 21, 22). */
  public List<AttKeyId> getSupportedAttKeyIds() throws AesmException {
    int n = getSupportedAttKeyIdNum();
    if (n < 0 || (long) n * AttKeyId.SIZE > maxFrame) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "implausible number of attestation key IDs: " + n, null);
    }
    Response res = transact(Request.newBuilder()
        .setGetSupportedAttKeyIDsReq(Request.GetSupportedAttKeyIDsRequest.newBuilder()
            .setBufSize(n * AttKeyId.SIZE).setTimeout(timeoutMs()))
        .buildPartial());
    if (!res.hasGetSupportedAttKeyIDsRes()) {
      throw wrongAnswer("GetSupportedAttKeyIDs", res);
    }
    check("GetSupportedAttKeyIDs", res.getGetSupportedAttKeyIDsRes().getErrorCode());
    try {
      return AttKeyId.split(res.getGetSupportedAttKeyIDsRes().getAttKeyIds().toByteArray());
    } catch (IllegalArgumentException e) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "GetSupportedAttKeyIDs: " + e.getMessage(), e);
    }
  }

  /**
   * SelectAttKeyID (request field 19): picks the key ID the service will quote with from
   * {@code candidates}; an empty list asks for the service's default.
   */
  public AttKeyId selectAttKeyId(List<AttKeyId> candidates) throws AesmException {
    Request.SelectAttKeyIDRequest.Builder r = Request.SelectAttKeyIDRequest.newBuilder().setTimeout(timeoutMs());
    if (!candidates.isEmpty()) {
      r.setAttKeyIdList(ByteString.copyFrom(AttKeyId.encodeList(candidates)));
    }
    Response res = transact(Request.newBuilder().setSelectAttKeyIDReq(r).buildPartial());
    if (!res.hasSelectAttKeyIDRes()) {
      throw wrongAnswer("SelectAttKeyID", res);
    }
    check("SelectAttKeyID", res.getSelectAttKeyIDRes().getErrorCode());
    try {
      return AttKeyId.parse(res.getSelectAttKeyIDRes().getSelectedAttKeyId().toByteArray());
    } catch (IllegalArgumentException e) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "SelectAttKeyID: " + e.getMessage(), e);
    }
  }

  /**
   * Sends one request and returns the raw response (no error-code check): the low-level call the
   * typed methods use. The response is parsed partially, so a missing {@code errorCode} reads as its
   * proto default 1 ({@code AESM_UNEXPECTED_ERROR}).
   */
  public Response transact(Request request) throws AesmException {
    return parseResponse(exchange(request.toByteArray()));
  }

  /** Sends one raw frame body and returns the raw answer body. */
  public byte[] exchange(byte[] requestBody) throws AesmException {
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw AesmException.of(AesmException.Kind.UNAVAILABLE, "cannot create a UNIX socket: " + e.getMessage(), e);
    }
    try (ch; ChannelWatchdog.Deadline d = ChannelWatchdog.arm(ch, timeout)) {
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        if (d.fired()) {
          throw timedOut(e);
        }
        throw AesmException.of(AesmException.Kind.UNAVAILABLE,
            "no AESM service on " + socket + " (" + e.getMessage() + ")", e);
      }
      try {
        try {
          AesmFraming.write(ch, requestBody);
        } catch (IOException writeFailed) {
          if (d.fired()) {
            throw writeFailed;
          }
          // The server may have answered without reading (the quote helper's AESM_BUSY when its
          // queue is full) and closed: read that answer if it is there.
          try {
            return AesmFraming.read(ch, maxFrame);
          } catch (IOException noAnswer) {
            throw writeFailed;
          }
        }
        return AesmFraming.read(ch, maxFrame);
      } catch (AesmFraming.FrameException e) {
        if (d.fired()) {
          throw timedOut(e);
        }
        throw AesmException.of(AesmException.Kind.PROTOCOL,
            e.reason() == AesmFraming.FrameException.Reason.CLOSED
                ? "the AESM service on " + socket + " closed the connection without an answer (request not supported or malformed)"
                : "bad answer frame from " + socket + ": " + e.getMessage(),
            e);
      } catch (ClosedChannelException e) {
        throw d.fired() ? timedOut(e) : AesmException.of(AesmException.Kind.PROTOCOL, "connection closed: " + e, e);
      } catch (IOException e) {
        if (d.fired()) {
          throw timedOut(e);
        }
        throw AesmException.of(AesmException.Kind.PROTOCOL, "I/O error talking to " + socket + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      // closing the channel failed; the exchange itself is complete or already reported
      throw AesmException.of(AesmException.Kind.PROTOCOL, "closing the connection to " + socket + " failed: " + e.getMessage(), e);
    }
  }

  private AesmException timedOut(Throwable cause) {
    return AesmException.of(AesmException.Kind.TIMEOUT,
        "the AESM service on " + socket + " did not answer within " + timeout.toMillis() + " ms", cause);
  }

  private static Response parseResponse(byte[] body) throws AesmException {
    try {
      return Response.newBuilder().mergeFrom(body).buildPartial();
    } catch (InvalidProtocolBufferException e) {
      throw AesmException.of(AesmException.Kind.PROTOCOL, "the answer is not an aesm.message.Response: " + e.getMessage(), e);
    }
  }

  private static void check(String call, int errorCode) throws AesmException {
    if (errorCode != 0) {
      throw AesmException.errorCode(call, Integer.toUnsignedLong(errorCode));
    }
  }

  private static AesmException wrongAnswer(String call, Response res) {
    if (res.hasUnsupportedRequestResponse()) {
      return AesmException.errorCode(call + " (unsupported request)",
          Integer.toUnsignedLong(res.getUnsupportedRequestResponse().getErrorCode()));
    }
    return AesmException.of(AesmException.Kind.PROTOCOL, call + ": the answer carries no " + call + " response", null);
  }
}
