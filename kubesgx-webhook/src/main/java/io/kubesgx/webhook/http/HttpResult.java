package io.kubesgx.webhook.http;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A response the server sends.
 *
 * @param status HTTP status
 * @param contentType media type
 * @param body bytes (not copied: callers hand over ownership)
 */
public record HttpResult(int status, String contentType, byte[] body) {
  /** Validates the fields. */
  public HttpResult {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
  }

  /** A plain-text result. */
  public static HttpResult text(int status, String text) {
    return new HttpResult(status, "text/plain; charset=utf-8",
        (text + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
