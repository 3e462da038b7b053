package io.kubesgx.attestation.http;

import io.kubesgx.attestation.ApiError;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP response: status, content type, body and extra headers.
 *
 * @param status HTTP status
 * @param contentType the Content-Type
 * @param body the body bytes
 * @param headers extra headers
 */
@SuppressWarnings("ArrayRecordComponent") // the body is never compared; copying it would cost every response
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
  /** Copies the header map. */
  public ApiResponse {
    headers = Map.copyOf(headers);
  }

  /** A JSON response. */
  public static ApiResponse json(int status, String json) {
    return new ApiResponse(status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** MAA's {@code {"token": JWT}} body. */
  public static ApiResponse token(String jwt) {
    StringBuilder sb = new StringBuilder(jwt.length() + 16).append("{\"token\":");
    Json.quote(jwt, sb);
    return json(200, sb.append('}').toString());
  }

  /** MAA's error body {@code {"error": {"code", "message"}}}, plus kubesgx's detail code when known. */
  public static ApiResponse error(ApiError e) {
    return error(e, null);
  }

  /**
   * MAA's error body {@code {"error": {"code", "message"}}}, plus kubesgx's detail code when known
   * and the request ID (also sent as {@code x-ms-request-id}) when given.
   */
  public static ApiResponse error(ApiError e, String requestId) {
    JsonBuilder err = JsonBuilder.object().put("code", e.code()).put("message", String.valueOf(e.getMessage()));
    if (e.detailCode() != null) {
      err.put("detail", e.detailCode());
    }
    if (requestId != null) {
      err.put("requestId", requestId);
    }
    ApiResponse r = json(e.status(), Json.write(JsonBuilder.object().put("error", err.build()).build()));
    if (e.status() == 429 || e.status() == 503) {
      return new ApiResponse(r.status(), r.contentType(), r.body(), Map.of("Retry-After", "1"));
    }
    return r;
  }
}
