package io.kubesgx.keybroker.http;

import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.keybroker.KeyBrokerException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP answer: status, JSON body and extra headers.
 *
 * @param status HTTP status
 * @param body the body bytes
 * @param headers extra response headers
 */
public record ApiResponse(int status, byte[] body, Map<String, String> headers) {
  /** Copies the headers. */
  public ApiResponse {
    headers = Map.copyOf(headers);
  }

  /** A JSON answer. */
  public static ApiResponse json(int status, String json) {
    return new ApiResponse(status, json.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** The Key Vault error shape {@code {"error":{"code","message"}}}. */
  public static ApiResponse error(int status, String code, String message) {
    String body = JsonBuilder.object()
        .put("error", JsonBuilder.object().put("code", code).put("message", message).build())
        .toString();
    return json(status, body);
  }

  /** The Key Vault error for {@code e}, with the full message for administrators or the reduced one for others. */
  public static ApiResponse error(KeyBrokerException e, boolean admin) {
    return error(e.reason().httpStatus(), e.reason().code(), admin ? e.getMessage() : e.callerDetail());
  }
}
