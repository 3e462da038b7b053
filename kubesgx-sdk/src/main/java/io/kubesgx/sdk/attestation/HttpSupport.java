package io.kubesgx.sdk.attestation;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** Small HTTP helpers shared by the client and the verifier. */
final class HttpSupport {
  /** Largest response body read (tokens, discovery documents and key sets are a few KiB). */
  static final int MAX_BODY = 1024 * 1024;

  private HttpSupport() {}

  /** Reads at most {@link #MAX_BODY} bytes and closes the stream; longer bodies fail. */
  static byte[] readBounded(InputStream in) throws IOException {
    try (InputStream s = in) {
      byte[] buf = new byte[8192];
      int n = 0;
      while (true) {
        if (n == buf.length) {
          if (n > MAX_BODY) {
            throw new IOException("response body larger than " + MAX_BODY + " bytes");
          }
          buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_BODY + 1));
        }
        int r = s.read(buf, n, buf.length - n);
        if (r < 0) {
          return Arrays.copyOf(buf, n);
        }
        n += r;
      }
    }
  }

  /**
   * Checks that {@code uri} is absolute with a host and uses https, or http when {@code allowHttp}.
   *
   * @throws IllegalArgumentException naming {@code what} otherwise
   */
  static URI checkUri(URI uri, boolean allowHttp, String what) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || (allowHttp && scheme.equals("http")))) {
      throw new IllegalArgumentException(what + " must be an absolute https URL" + (allowHttp ? " (or http)" : "")
          + ", got " + uri);
    }
    return uri;
  }

  /** Returns a printable, shortened excerpt of a body for error messages. */
  static String excerpt(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return body.length > 200 ? sb + "…" : sb.toString();
  }
}
