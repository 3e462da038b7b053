package io.kubesgx.collateralservice;

import io.kubesgx.collateral.Collateral;
import io.kubesgx.collateralservice.CollateralException.Reason;
import io.kubesgx.collateralservice.PcsProtocol.Resource;
import io.kubesgx.common.Bytes;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/** Fetches one collateral set: four GET requests in parallel, each body read with a size limit. */
final class PcsClient {
  /** Requests one collateral set costs. */
  static final int REQUESTS_PER_SET = 4;

  private final URI base;
  private final URI rootCaCrl;
  private final HttpClient http;
  private final Duration timeout;
  private final int maxBody;

  PcsClient(URI base, URI rootCaCrl, HttpClient http, Duration timeout, int maxBody) {
    this.base = base;
    this.rootCaCrl = rootCaCrl;
    this.http = http;
    this.timeout = timeout;
    this.maxBody = maxBody;
  }

  URI base() {
    return base;
  }

  /**
   * Fetches and assembles the collateral set of {@code key}.
   *
   * @throws CollateralException PCS_UNREACHABLE, PCS_ERROR, UNKNOWN_FMSPC, RATE_LIMITED (429) or
   *     MALFORMED_RESPONSE
   */
  Collateral fetch(CollateralKey key) throws CollateralException {
    URI[] uris = {
      PcsProtocol.tcbInfoUri(base, key),
      PcsProtocol.qeIdentityUri(base, key),
      PcsProtocol.pckCrlUri(base, key),
      rootCaCrl
    };
    List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
    for (URI u : uris) {
      HttpRequest req = HttpRequest.newBuilder(u).timeout(timeout).GET().build();
      futures.add(http.sendAsync(req, info -> new LimitedBodySubscriber(maxBody)));
    }
    // The request timeout covers the response headers; allow the same again for the bodies.
    long deadline = System.nanoTime() + 2 * timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
    PcsResponse[] responses = new PcsResponse[uris.length];
    Resource[] kinds = Resource.values();
    try {
      for (int i = 0; i < uris.length; i++) {
        responses[i] = await(futures.get(i), uris[i], kinds[i], key, deadline);
      }
    } finally {
      for (CompletableFuture<HttpResponse<byte[]>> f : futures) {
        f.cancel(true);
      }
    }
    return PcsProtocol.assemble(key, responses[0], responses[1], responses[2], responses[3]);
  }

  private PcsResponse await(CompletableFuture<HttpResponse<byte[]>> f, URI uri, Resource kind, CollateralKey key,
      long deadline) throws CollateralException {
    HttpResponse<byte[]> r;
    try {
      r = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollateralException(Reason.PCS_UNREACHABLE,
          "interrupted while fetching " + PcsProtocol.describe(kind, key) + " from PCS " + uri, e);
    } catch (TimeoutException e) {
      throw new CollateralException(Reason.PCS_UNREACHABLE,
          "PCS " + uri + " is unreachable (no complete answer within " + timeout.multipliedBy(2).toSeconds()
              + " s) while fetching " + PcsProtocol.describe(kind, key), e);
    } catch (ExecutionException e) {
      throw failure(e.getCause() == null ? e : e.getCause(), uri, kind, key);
    }
    return new PcsResponse(uri, r.statusCode(), firstValues(r.headers()), Bytes.of(r.body()));
  }

  private CollateralException failure(Throwable t, URI uri, Resource kind, CollateralKey key) {
    Throwable c = t;
    // Unwrap the IOException the client wraps around the body subscriber's failure.
    while (!(c instanceof LimitedBodySubscriber.TooLargeException) && c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    if (c instanceof LimitedBodySubscriber.TooLargeException) {
      return new CollateralException(Reason.MALFORMED_RESPONSE,
          "PCS " + uri + " sent a " + PcsProtocol.describe(kind, key) + " " + c.getMessage()
              + "; refusing it (is baseUrl a PCS v4 API or PCCS?)", t);
    }
    return new CollateralException(Reason.PCS_UNREACHABLE,
        "PCS " + uri + " is unreachable (" + cause(t) + ") while fetching " + PcsProtocol.describe(kind, key), t);
  }

  /** Returns a short human explanation of a transport failure, such as {@code connection refused}. */
  static String cause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof HttpConnectTimeoutException) {
        return "connect timed out";
      }
      if (c instanceof HttpTimeoutException) {
        return "request timed out";
      }
      if (c instanceof ConnectException) {
        return "connection refused";
      }
      if (c instanceof UnknownHostException) {
        return "unknown host " + c.getMessage();
      }
      if (c instanceof SSLException) {
        return "TLS failure: " + c.getMessage();
      }
      if (c instanceof ClosedChannelException) {
        return "connection closed";
      }
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static Map<String, String> firstValues(HttpHeaders h) {
    Map<String, String> m = new LinkedHashMap<>();
    h.map().forEach((k, v) -> {
      if (!v.isEmpty()) {
        m.put(k, v.get(0));
      }
    });
    return m;
  }
}
