package io.kubesgx.quotehelper;

import io.kubesgx.aesm.AesmErrorCode;
import io.kubesgx.aesm.proto.AesmMessages.Response;

/** Builds AESM responses that carry only an error code, typed for the request they answer. */
public final class Responses {
  private Responses() {}

  /** Returns a response of {@code type}'s response message with {@code errorCode} and nothing else. */
  public static Response error(RequestType type, AesmErrorCode errorCode) {
    int c = errorCode.code();
    Response.Builder r = Response.newBuilder();
    switch (type) {
      case INIT_QUOTE_EX -> r.setInitQuoteExRes(Response.InitQuoteExResponse.newBuilder().setErrorCode(c));
      case GET_QUOTE_SIZE_EX -> r.setGetQuoteSizeExRes(Response.GetQuoteSizeExResponse.newBuilder().setErrorCode(c));
      case GET_QUOTE_EX -> r.setGetQuoteExRes(Response.GetQuoteExResponse.newBuilder().setErrorCode(c));
      case SELECT_ATT_KEY_ID -> r.setSelectAttKeyIDRes(Response.SelectAttKeyIDResponse.newBuilder().setErrorCode(c));
      case GET_SUPPORTED_ATT_KEY_ID_NUM ->
          r.setGetSupportedAttKeyIDNumRes(Response.GetSupportedAttKeyIDNumResponse.newBuilder().setErrorCode(c));
      case GET_SUPPORTED_ATT_KEY_IDS ->
          r.setGetSupportedAttKeyIDsRes(Response.GetSupportedAttKeyIDsResponse.newBuilder().setErrorCode(c));
      default -> r.setUnsupportedRequestResponse(Response.UnsupportedRequestResponse.newBuilder().setErrorCode(c));
    }
    return r.build();
  }

  /** Returns the error code of the response's sub-message, or -1 when it has none we know. */
  public static int errorCode(Response r) {
    if (r.hasInitQuoteExRes()) {
      return r.getInitQuoteExRes().getErrorCode();
    }
    if (r.hasGetQuoteSizeExRes()) {
      return r.getGetQuoteSizeExRes().getErrorCode();
    }
    if (r.hasGetQuoteExRes()) {
      return r.getGetQuoteExRes().getErrorCode();
    }
    if (r.hasSelectAttKeyIDRes()) {
      return r.getSelectAttKeyIDRes().getErrorCode();
    }
    if (r.hasGetSupportedAttKeyIDNumRes()) {
      return r.getGetSupportedAttKeyIDNumRes().getErrorCode();
    }
    if (r.hasGetSupportedAttKeyIDsRes()) {
      return r.getGetSupportedAttKeyIDsRes().getErrorCode();
    }
    if (r.hasUnsupportedRequestResponse()) {
      return r.getUnsupportedRequestResponse().getErrorCode();
    }
    return -1;
  }
}
