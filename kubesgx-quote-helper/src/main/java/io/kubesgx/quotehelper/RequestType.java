package io.kubesgx.quotehelper;

import io.kubesgx.aesm.proto.AesmMessages.Request;

/** The kind of an AESM request, as the quote helper classifies it (also the metrics label). */
public enum RequestType {
  /** InitQuoteEx, request field 15. */
  INIT_QUOTE_EX("init_quote_ex"),
  /** GetQuoteSizeEx, request field 16. */
  GET_QUOTE_SIZE_EX("get_quote_size_ex"),
  /** GetQuoteEx, request field 17. */
  GET_QUOTE_EX("get_quote_ex"),
  /** SelectAttKeyID, request field 19. */
  SELECT_ATT_KEY_ID("select_att_key_id"),
  /** GetSupportedAttKeyIDNum, request field 21. */
  GET_SUPPORTED_ATT_KEY_ID_NUM("get_supported_att_key_id_num"),
  /** GetSupportedAttKeyIDs, request field 22. */
  GET_SUPPORTED_ATT_KEY_IDS("get_supported_att_key_ids"),
  /** A sub-request Intel defines that the helper does not serve (EPID, launch token, white list, ...). */
  NOT_SERVED("not_served"),
  /** No sub-request we know of (empty message or only unknown fields). */
  UNKNOWN("unknown"),
  /** The frame or the protobuf could not be decoded. */
  MALFORMED("malformed");

  private final String label;

  RequestType(String label) {
    this.label = label;
  }

  /** Returns the metrics label. */
  public String label() {
    return label;
  }

  /** Classifies a (partially) parsed request; the first known sub-request wins, as in Intel's service. */
  public static RequestType of(Request r) {
    if (r.hasInitQuoteExReq()) {
      return INIT_QUOTE_EX;
    }
    if (r.hasGetQuoteSizeExReq()) {
      return GET_QUOTE_SIZE_EX;
    }
    if (r.hasGetQuoteExReq()) {
      return GET_QUOTE_EX;
    }
    if (r.hasSelectAttKeyIDReq()) {
      return SELECT_ATT_KEY_ID;
    }
    if (r.hasGetSupportedAttKeyIDNumReq()) {
      return GET_SUPPORTED_ATT_KEY_ID_NUM;
    }
    if (r.hasGetSupportedAttKeyIDsReq()) {
      return GET_SUPPORTED_ATT_KEY_IDS;
    }
    if (r.hasInitQuoteReq() || r.hasGetQuoteReq() || r.hasGetLicTokenReq() || r.hasReportErrReq()
        || r.hasGetWhiteListSizeReq() || r.hasGetWhiteListReq() || r.hasSgxGetExtendedEpidGroupIdReq()
        || r.hasSgxSwitchExtendedEpidGroupReq() || r.hasSgxRegisterReq() || r.hasCheckUpdateStatusReq()) {
      return NOT_SERVED;
    }
    return UNKNOWN;
  }
}
