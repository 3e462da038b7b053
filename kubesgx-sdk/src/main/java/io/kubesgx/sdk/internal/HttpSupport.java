package io.kubesgx.sdk.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** Small HTTP helpers shared by the SDK's clients (internal: not part of the SDK's API). */
public final class HttpSupport {
  /** Largest response body read (tokens, discovery documents and key sets are a few KiB). */
  public static final int MAX_BODY = 1024 * 1024;

  private HttpSupport() {}

  /**
   * Returns a body subscriber that collects at most {@link #MAX_BODY} bytes; a longer body cancels
   * the response and fails with an {@link IOException} (nothing beyond the limit is buffered).
   */
  public static HttpResponse.BodySubscriber<byte[]> boundedBody() {
    return new BoundedBody();
  }

  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        if (b.remaining() > MAX_BODY - out.size()) {
          subscription.cancel();
          result.completeExceptionally(new IOException("response body larger than " + MAX_BODY + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }

  /**
   * Checks that {@code uri} is absolute with a host and uses https, or http when {@code allowHttp}.
   *
   * @throws IllegalArgumentException naming {@code what} otherwise
   */
  public static URI checkUri(URI uri, boolean allowHttp, String what) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || (allowHttp && scheme.equals("http")))) {
      throw new IllegalArgumentException(what + " must be an absolute https URL" + (allowHttp ? " (or http)" : "")
          + ", got " + uri);
    }
    return uri;
  }

  /**
   * Checks a service base URL as {@link #checkUri} does and that it has no query or fragment (paths
   * are appended to it).
   *
   * @throws IllegalArgumentException naming {@code what}
   */
  public static URI checkBaseUri(URI uri, boolean allowHttp, String what) {
    checkUri(uri, allowHttp, what);
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(what + " must have no query or fragment: " + uri);
    }
    return uri;
  }

  /**
   * Returns {@code d} when it is positive.
   *
   * @throws IllegalArgumentException naming {@code what} otherwise
   */
  public static java.time.Duration positive(java.time.Duration d, String what) {
    java.util.Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  /** Returns a printable, shortened excerpt of a body for error messages. */
  public static String excerpt(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return body.length > 200 ? sb + "…" : sb.toString();
  }
}
