package io.kubesgx.collateralservice;

import io.kubesgx.common.Bytes;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP answer of the PCS, reduced to what the protocol needs.
 *
 * @param uri the request URI
 * @param status the HTTP status
 * @param headers first value of each header, names in lower case
 * @param body the body, already size-limited
 */
record PcsResponse(URI uri, int status, Map<String, String> headers, Bytes body) {
  PcsResponse {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(body, "body");
    Map<String, String> lower = new TreeMap<>();
    headers.forEach((k, v) -> lower.putIfAbsent(k.toLowerCase(Locale.ROOT), v));
    headers = Map.copyOf(lower);
  }

  /** Returns a header's first value, by case-insensitive name. */
  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }
}
