package io.kubesgx.status.attestation;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.status.AttestationRead;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads {@code GET /status} of the attestation service, either through the API server's service
 * proxy ({@code /api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/status}, with the client's
 * credentials — the default, no port-forward needed) or from a URL. Every read has a deadline and
 * reads at most {@link AttestationStatusParser#MAX_BYTES} + 1 bytes; failures become an {@link
 * AttestationRead} with a one-line error, never an exception.
 */
public final class AttestationEndpoint {
  private AttestationEndpoint() {}

  /**
   * Reads through the service proxy.
   *
   * @param port the Service port: its name or number
   * @param https whether the service speaks HTTPS (the proxy path then says {@code https:})
   */
  public static AttestationRead viaServiceProxy(KubernetesClient client, String namespace, String service,
      String port, boolean https, Duration timeout) {
    String target = (https ? "https:" : "") + service + ":" + port;
    String source = "service proxy " + namespace + "/" + target;
    String master = client.getMasterUrl().toString();
    String url = (master.endsWith("/") ? master.substring(0, master.length() - 1) : master) + "/api/v1/namespaces/"
        + enc(namespace) + "/services/" + enc(target) + "/proxy/status";
    io.fabric8.kubernetes.client.http.HttpClient http = client.getHttpClient();
    io.fabric8.kubernetes.client.http.HttpRequest req = http.newHttpRequestBuilder().uri(url)
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).build();
    var future = http.sendAsync(req, InputStream.class);
    try {
      io.fabric8.kubernetes.client.http.HttpResponse<InputStream> r = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try (InputStream in = r.body()) {
        if (r.code() != 200) {
          return AttestationRead.failed(source, "HTTP " + r.code()
              + (r.code() == 403 ? " (your credentials may not get services/proxy in " + namespace + ")"
                  : r.code() == 404 ? " (no such service, or a service without /status: upgrade the attestation service)"
                  : r.code() == 503 ? " (no ready attestation pod behind the service)" : ""));
        }
        return parse(source, in);
      }
    } catch (TimeoutException e) {
      future.cancel(true);
      return AttestationRead.failed(source, "no answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      return AttestationRead.failed(source, oneLine(e.getCause() == null ? e : e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return AttestationRead.failed(source, "interrupted");
    } catch (IOException e) {
      return AttestationRead.failed(source, oneLine(e));
    }
  }

  /** Reads {@code base + "/status"} directly (e.g. a port-forward or an in-cluster URL). */
  public static AttestationRead viaUrl(URI base, Duration timeout) {
    String b = base.toString();
    URI uri = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + "/status");
    String source = uri.toString();
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    var future = http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
    try {
      HttpResponse<InputStream> r = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          return AttestationRead.failed(source, "HTTP " + r.statusCode()
              + (r.statusCode() == 404 ? " (not an attestation service with /status)" : ""));
        }
        return parse(source, in);
      }
    } catch (TimeoutException e) {
      future.cancel(true);
      return AttestationRead.failed(source, "no answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return AttestationRead.failed(source, c instanceof HttpTimeoutException
          ? "no answer within " + timeout.toMillis() + " ms" : oneLine(c));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return AttestationRead.failed(source, "interrupted");
    } catch (IOException e) {
      return AttestationRead.failed(source, oneLine(e));
    }
  }

  private static AttestationRead parse(String source, InputStream in) throws IOException {
    byte[] body = in.readNBytes(AttestationStatusParser.MAX_BYTES + 1);
    try {
      return AttestationRead.ok(source, AttestationStatusParser.parse(body));
    } catch (MalformedInputException e) {
      return AttestationRead.failed(source, "not a status document: " + e.getMessage());
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":");
  }

  /** The exception's message without class names or stack frames (the cause chain's most specific). */
  static String oneLine(Throwable t) {
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      root = c;
      if (c instanceof java.net.ConnectException) {
        break; // its cause (e.g. ClosedChannelException) says less
      }
    }
    String m = root.getMessage();
    if (root instanceof java.net.ConnectException) {
      return "connection refused" + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }
    if (root instanceof java.nio.channels.UnresolvedAddressException || root instanceof java.net.UnknownHostException) {
      return "unknown host" + (m == null ? "" : " " + m);
    }
    String s = m == null || m.isBlank() ? root.getClass().getSimpleName() : m;
    return s.replaceAll("\\s+", " ");
  }
}
