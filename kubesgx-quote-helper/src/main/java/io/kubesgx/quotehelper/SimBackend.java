package io.kubesgx.quotehelper;

import com.google.protobuf.ByteString;
import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.AttKeyId;
import io.kubesgx.aesm.proto.AesmMessages.Request;
import io.kubesgx.aesm.proto.AesmMessages.Response;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.enclave.Report;
import io.kubesgx.enclave.TargetInfo;
import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.sim.QuoteException;
import io.kubesgx.sim.QuotingEnclave;
import io.kubesgx.sim.SimPlatform;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers the quoting calls with the simulated platform's QE3: quotes verify with the simulation
 * root certificate of that platform (never with Intel's root).
 *
 * <p>Behaviour per call (following Intel's ECDSA quote service where we could read it):
 *
 * <ul>
 *   <li>an {@code att_key_id} that is present must be 256 bytes ({@code AESM_PARAMETER_ERROR}
 *       otherwise) and name this QE — its 158-byte base is compared, as Intel's select does
 *       ({@code AESM_UNSUPPORTED_ATT_KEY_ID} otherwise); an absent one means the default key. The
 *       simulated QE has Intel's QE3 identity, so this QE's key ID is {@link AttKeyId#intelEcdsaQe3()}
 *       and what Intel's {@code libsgx_quote_ex} sends matches;
 *   <li>InitQuoteEx: the QE's TARGETINFO; {@code pub_key_id_size} 32 always, {@code pub_key_id}
 *       (SHA-256 of the attestation public key X‖Y) when {@code b_pub_key_id}; a {@code buf_size}
 *       below 32 with {@code b_pub_key_id} is {@code AESM_PARAMETER_ERROR};
 *   <li>GetQuoteEx: a REPORT that is not 432 bytes, a {@code qe_report_info} that is not 960 bytes
 *       or a {@code buf_size} below the quote size is {@code AESM_PARAMETER_ERROR}; a REPORT whose MAC
 *       the QE cannot verify is {@code AESM_INVALID_REPORT} (which {@code libsgx_quote_ex} maps to
 *       {@code SGX_ERROR_MAC_MISMATCH}); with {@code qe_report_info} the QE's own REPORT targeted at
 *       the given app TARGETINFO is returned, REPORTDATA = SHA-256(nonce ‖ quote) ‖ 32 zero bytes;
 *   <li>quote version: 3 unless the server was started with version 4 (certification data type 6);
 *       the AESM protocol has no field to choose it per request.
 * </ul>
 */
public final class SimBackend implements Backend {
  /** Size of {@code sgx_ql_qe_report_info_t}: nonce 16 + app TARGETINFO 512 + QE REPORT 432. */
  public static final int QE_REPORT_INFO_SIZE = 960;

  private final SimPlatform platform;
  private final QuotingEnclave qe;
  private final int quoteVersion;
  private final AttKeyId keyId;
  private final byte[] targetInfo;
  private final byte[] pubKeyId;
  private final int quoteSize;

  private SimBackend(SimPlatform platform, int quoteVersion) throws QuoteException {
    this.platform = Objects.requireNonNull(platform);
    this.qe = platform.quotingEnclave();
    this.quoteVersion = quoteVersion;
    this.quoteSize = qe.quoteSize(quoteVersion);
    SimEnclave qeEnclave = platform.qeEnclave();
    this.keyId = AttKeyId.newBuilder()
        .mrSigner(qeEnclave.mrSigner().toByteArray())
        .prodId(qeEnclave.isvProdId())
        .algorithmId(AttKeyId.ALGORITHM_ECDSA_P256)
        .build();
    this.targetInfo = qe.targetInfo().toBytes().toByteArray();
    this.pubKeyId = sha256(qe.attestationKey().toByteArray());
  }

  /**
   * Creates a backend quoting with {@code platform}'s QE.
   *
   * @param quoteVersion 3 or 4
   * @throws IllegalArgumentException for other versions
   */
  public static SimBackend create(SimPlatform platform, int quoteVersion) {
    try {
      return new SimBackend(platform, quoteVersion);
    } catch (QuoteException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Returns the attestation key ID of the simulated QE. */
  public AttKeyId attKeyId() {
    return keyId;
  }

  /** Returns the platform. */
  public SimPlatform platform() {
    return platform;
  }

  @Override
  public String name() {
    return "sim";
  }

  @Override
  public Optional<Response> handle(AesmRequest request) {
    Request r = request.message();
    return switch (request.type()) {
      case INIT_QUOTE_EX -> Optional.of(initQuoteEx(r.getInitQuoteExReq()));
      case GET_QUOTE_SIZE_EX -> Optional.of(getQuoteSizeEx(r.getGetQuoteSizeExReq()));
      case GET_QUOTE_EX -> Optional.of(getQuoteEx(r.getGetQuoteExReq()));
      case SELECT_ATT_KEY_ID -> Optional.of(select(r.getSelectAttKeyIDReq()));
      case GET_SUPPORTED_ATT_KEY_ID_NUM -> Optional.of(Response.newBuilder()
          .setGetSupportedAttKeyIDNumRes(Response.GetSupportedAttKeyIDNumResponse.newBuilder().setErrorCode(0).setAttKeyIdNum(1))
          .build());
      case GET_SUPPORTED_ATT_KEY_IDS -> Optional.of(supportedIds(r.getGetSupportedAttKeyIDsReq()));
      default -> Optional.empty();
    };
  }

  private Response initQuoteEx(Request.InitQuoteExRequest r) {
    RequestType t = RequestType.INIT_QUOTE_EX;
    if (!r.isInitialized()) {
      return Responses.error(t, AesmErrorCode.UNEXPECTED_ERROR);
    }
    AesmErrorCode k = checkKeyId(r.hasAttKeyId(), r.getAttKeyId());
    if (k != AesmErrorCode.SUCCESS) {
      return Responses.error(t, k);
    }
    Response.InitQuoteExResponse.Builder a = Response.InitQuoteExResponse.newBuilder()
        .setErrorCode(0)
        .setTargetInfo(ByteString.copyFrom(targetInfo))
        .setPubKeyIdSize(pubKeyId.length);
    if (r.getBPubKeyId()) {
      if (r.hasBufSize() && Long.compareUnsigned(r.getBufSize(), pubKeyId.length) < 0) {
        return Responses.error(t, AesmErrorCode.PARAMETER_ERROR);
      }
      a.setPubKeyId(ByteString.copyFrom(pubKeyId));
    }
    return Response.newBuilder().setInitQuoteExRes(a).build();
  }

  private Response getQuoteSizeEx(Request.GetQuoteSizeExRequest r) {
    RequestType t = RequestType.GET_QUOTE_SIZE_EX;
    AesmErrorCode k = checkKeyId(r.hasAttKeyId(), r.getAttKeyId());
    if (k != AesmErrorCode.SUCCESS) {
      return Responses.error(t, k);
    }
    return Response.newBuilder()
        .setGetQuoteSizeExRes(Response.GetQuoteSizeExResponse.newBuilder().setErrorCode(0).setQuoteSize(quoteSize))
        .build();
  }

  private Response getQuoteEx(Request.GetQuoteExRequest r) {
    RequestType t = RequestType.GET_QUOTE_EX;
    if (!r.isInitialized()) {
      return Responses.error(t, AesmErrorCode.UNEXPECTED_ERROR);
    }
    AesmErrorCode k = checkKeyId(r.hasAttKeyId(), r.getAttKeyId());
    if (k != AesmErrorCode.SUCCESS) {
      return Responses.error(t, k);
    }
    if (r.getReport().size() != Report.SIZE
        || (r.hasQeReportInfo() && r.getQeReportInfo().size() != QE_REPORT_INFO_SIZE)
        || Integer.compareUnsigned(r.getBufSize(), quoteSize) < 0) {
      return Responses.error(t, AesmErrorCode.PARAMETER_ERROR);
    }
    TargetInfo appTarget = null;
    byte[] info = null;
    if (r.hasQeReportInfo()) {
      info = r.getQeReportInfo().toByteArray();
      try {
        appTarget = TargetInfo.parse(Bytes.of(info, 16, TargetInfo.SIZE));
      } catch (MalformedInputException e) {
        return Responses.error(t, AesmErrorCode.PARAMETER_ERROR);
      }
    }
    byte[] quote;
    try {
      quote = qe.quote(Bytes.of(r.getReport().toByteArray()), quoteVersion);
    } catch (QuoteException e) {
      // A REPORT the QE cannot authenticate: Intel's QE3 answers SGX_QL_INVALID_REPORT → AESM_INVALID_REPORT.
      return Responses.error(t, e.reason() == QuoteException.Reason.UNSUPPORTED_VERSION
          ? AesmErrorCode.UNEXPECTED_ERROR : AesmErrorCode.INVALID_REPORT);
    }
    Response.GetQuoteExResponse.Builder a = Response.GetQuoteExResponse.newBuilder()
        .setErrorCode(0)
        .setQuote(ByteString.copyFrom(quote));
    if (info != null) {
      byte[] rd = new byte[64];
      MessageDigest md = sha256();
      md.update(info, 0, 16);
      md.update(quote);
      System.arraycopy(md.digest(), 0, rd, 0, 32);
      Report qeReport = platform.cpu().ereport(platform.qeEnclave(), appTarget, Bytes.of(rd));
      System.arraycopy(qeReport.toBytes().toByteArray(), 0, info, 16 + TargetInfo.SIZE, Report.SIZE);
      a.setQeReportInfo(ByteString.copyFrom(info));
    }
    return Response.newBuilder().setGetQuoteExRes(a).build();
  }

  private Response select(Request.SelectAttKeyIDRequest r) {
    RequestType t = RequestType.SELECT_ATT_KEY_ID;
    if (!r.hasAttKeyIdList() || r.getAttKeyIdList().isEmpty()) {
      return selected(keyId);
    }
    List<AttKeyId> list;
    try {
      list = AttKeyId.parseList(r.getAttKeyIdList().toByteArray());
    } catch (IllegalArgumentException e) {
      return Responses.error(t, AesmErrorCode.PARAMETER_ERROR);
    }
    for (AttKeyId candidate : list) {
      if (candidate.sameBase(keyId)) {
        return selected(candidate);
      }
    }
    return Responses.error(t, AesmErrorCode.UNSUPPORTED_ATT_KEY_ID);
  }

  private static Response selected(AttKeyId k) {
    return Response.newBuilder()
        .setSelectAttKeyIDRes(Response.SelectAttKeyIDResponse.newBuilder()
            .setErrorCode(0)
            .setSelectedAttKeyId(ByteString.copyFrom(k.encode())))
        .build();
  }

  private Response supportedIds(Request.GetSupportedAttKeyIDsRequest r) {
    RequestType t = RequestType.GET_SUPPORTED_ATT_KEY_IDS;
    if (!r.isInitialized()) {
      return Responses.error(t, AesmErrorCode.UNEXPECTED_ERROR);
    }
    if (Integer.compareUnsigned(r.getBufSize(), AttKeyId.SIZE) < 0) {
      return Responses.error(t, AesmErrorCode.PARAMETER_ERROR);
    }
    return Response.newBuilder()
        .setGetSupportedAttKeyIDsRes(Response.GetSupportedAttKeyIDsResponse.newBuilder()
            .setErrorCode(0)
            .setAttKeyIds(ByteString.copyFrom(AttKeyId.concat(List.of(keyId)))))
        .build();
  }

  private AesmErrorCode checkKeyId(boolean present, ByteString raw) {
    if (!present) {
      return AesmErrorCode.SUCCESS;
    }
    if (raw.size() != AttKeyId.SIZE) {
      return AesmErrorCode.PARAMETER_ERROR;
    }
    AttKeyId k;
    try {
      k = AttKeyId.parse(raw.toByteArray());
    } catch (IllegalArgumentException e) {
      return AesmErrorCode.PARAMETER_ERROR;
    }
    return k.sameBase(keyId) ? AesmErrorCode.SUCCESS : AesmErrorCode.UNSUPPORTED_ATT_KEY_ID;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  private static byte[] sha256(byte[] data) {
    return sha256().digest(data);
  }
}
