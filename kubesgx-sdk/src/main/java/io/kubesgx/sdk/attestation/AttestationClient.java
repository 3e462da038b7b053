package io.kubesgx.sdk.attestation;

import io.kubesgx.sdk.internal.HttpSupport;
import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.common.json.JsonValue.JsonObject;
import io.kubesgx.sdk.QuoteProvider;
import io.kubesgx.sdk.QuoteProviderException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the attestation service's MAA-compatible REST API: sends a quote with its runtime data
 * to {@code POST {base}/attest/SgxEnclave} and returns the token.
 *
 * <p>Requests are retried, a bounded number of times, only when the connection cannot be made and
 * when the service answers 429 or 503 (honouring {@code Retry-After}); any other failure is reported
 * at once. Each attempt has one absolute deadline ({@link Builder#requestTimeout}) covering the
 * connection, the headers and the whole body, which is read up to 1 MiB. The returned {@link AttestationToken} is not verified: check it with {@link TokenVerifier}.
 *
 * <pre>{@code
 * AttestationClient client = AttestationClient.newBuilder(URI.create("https://attest.example")).build();
 * try (QuoteProvider provider = QuoteProviders.auto()) {
 *   AttestationToken token = client.attest(provider, publicKeyDer, RuntimeData.DataType.BINARY);
 *   VerifiedToken verified = verifier.verify(token.raw());
 * }
 * }</pre>
 */
public final class AttestationClient {
  /** The {@code api-version} sent unless the builder sets another. */
  public static final String DEFAULT_API_VERSION = "2022-08-01";
  /** Most attempts a builder accepts. */
  public static final int MAX_ATTEMPTS_LIMIT = 10;

  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final URI base;
  private final String apiVersion;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxRetryDelay;
  private final Clock clock;

  private AttestationClient(Builder b) {
    String s = b.base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.apiVersion = b.apiVersion;
    this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.requestTimeout).build();
    this.requestTimeout = b.requestTimeout;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff.compareTo(b.maxRetryDelay) > 0 ? b.maxRetryDelay : b.initialBackoff;
    this.maxRetryDelay = b.maxRetryDelay;
    this.clock = b.clock;
  }

  /** Returns a builder for the service at {@code baseUri} (for example {@code https://attest.example}). */
  public static Builder newBuilder(URI baseUri) {
    return new Builder(baseUri);
  }

  /**
   * Attests an SGX enclave: {@code POST /attest/SgxEnclave} with the quote and its runtime data.
   *
   * @param quote the DCAP quote, whose REPORTDATA starts with SHA-256 of {@code runtimeData}
   * @param runtimeData the data bound by the quote (see {@link RuntimeData#reportData()})
   * @param initTimeData data whose SHA-256 is the enclave's CONFIGID prefix (KSS), sent as {@code Binary}
   * @param nonce echoed into the token
   * @param draftPolicy DANGEROUS: a policy to evaluate instead of the stored one; the service then
   *     returns an unsigned token that {@link TokenVerifier#verify(String)} rejects
   * @throws AttestationClientException with the service's status and error code when it refuses,
   *     or status 0 when it cannot be reached
   */
  public AttestationToken attestSgxEnclave(byte[] quote, RuntimeData runtimeData, Optional<byte[]> initTimeData,
      Optional<String> nonce, Optional<String> draftPolicy) throws AttestationClientException {
    return post("SgxEnclave", "quote", quote, runtimeData, initTimeData, nonce, draftPolicy);
  }

  /**
   * Attests an Open Enclave report (16-byte OE header followed by an SGX quote): {@code POST
   * /attest/OpenEnclave}, otherwise as {@link #attestSgxEnclave}.
   *
   * @throws AttestationClientException as {@link #attestSgxEnclave}
   */
  public AttestationToken attestOpenEnclave(byte[] report, RuntimeData runtimeData, Optional<byte[]> initTimeData,
      Optional<String> nonce, Optional<String> draftPolicy) throws AttestationClientException {
    return post("OpenEnclave", "report", report, runtimeData, initTimeData, nonce, draftPolicy);
  }

  /**
   * Binds {@code runtimeData} into a quote from {@code provider} (REPORTDATA = SHA-256(runtimeData) ‖
   * 32 zero bytes) and attests it.
   *
   * @throws QuoteProviderException when no quote can be obtained
   * @throws AttestationClientException when the service refuses or cannot be reached
   * @throws IllegalArgumentException when {@code dataType} is JSON and the data is not JSON
   */
  public AttestationToken attest(QuoteProvider provider, byte[] runtimeData, RuntimeData.DataType dataType)
      throws QuoteProviderException, AttestationClientException {
    RuntimeData rd = new RuntimeData(Bytes.of(runtimeData), dataType);
    byte[] quote = provider.quote(rd.reportData());
    return attestSgxEnclave(quote, rd, Optional.empty(), Optional.empty(), Optional.empty());
  }

  private AttestationToken post(String type, String evidenceField, byte[] evidence, RuntimeData runtimeData,
      Optional<byte[]> initTimeData, Optional<String> nonce, Optional<String> draftPolicy)
      throws AttestationClientException {
    Objects.requireNonNull(evidence, evidenceField);
    Objects.requireNonNull(runtimeData, "runtimeData");
    JsonBuilder body = JsonBuilder.object()
        .put(evidenceField, B64URL.encodeToString(evidence))
        .put("runtimeData", JsonBuilder.object()
            .put("data", B64URL.encodeToString(runtimeData.data().toByteArray()))
            .put("dataType", runtimeData.dataType().wireName())
            .build());
    if (initTimeData.isPresent()) {
      body.put("initTimeData", JsonBuilder.object()
          .put("data", B64URL.encodeToString(initTimeData.get()))
          .put("dataType", RuntimeData.DataType.BINARY.wireName())
          .build());
    }
    nonce.ifPresent(n -> body.put("nonce", n));
    draftPolicy.ifPresent(p -> body.put("draftPolicyForAttestation", p));
    URI uri = URI.create(base + "/attest/" + type + "?api-version=" + apiVersion);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build();
    byte[] answer = send(request);
    try {
      JsonObject o = Json.parseObject(new String(answer, StandardCharsets.UTF_8));
      return AttestationToken.parse(o.string("token"));
    } catch (MalformedInputException | ParseException e) {
      throw new AttestationClientException(200, "", "the attestation service at " + uri
          + " answered with no usable token: " + e.getMessage(), e);
    }
  }

  /** Sends with the retry rules of this class; returns the body of a 2xx answer. */
  private byte[] send(HttpRequest request) throws AttestationClientException {
    Duration backoff = initialBackoff;
    for (int attempt = 1; ; attempt++) {
      boolean last = attempt >= maxAttempts;
      HttpResponse<byte[]> response;
      // One absolute deadline per attempt for connecting, headers and the whole (bounded) body:
      // HttpRequest.timeout alone stops at the headers, so a server trickling its body would hang us.
      CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request, info -> HttpSupport.boundedBody());
      try {
        response = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        call.cancel(true);
        throw new AttestationClientException(0, "", "the attestation service at " + request.uri()
            + " did not answer completely within " + requestTimeout.toMillis() + " ms", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof ConnectException || c instanceof HttpConnectTimeoutException) {
          if (last) {
            throw new AttestationClientException(0, "", "cannot connect to the attestation service at "
                + request.uri() + " after " + attempt + " attempt(s): " + c, c);
          }
          sleep(backoff, request);
          backoff = next(backoff);
          continue;
        }
        throw new AttestationClientException(0, "", "request to " + request.uri() + " failed: " + c, c);
      } catch (InterruptedException e) {
        call.cancel(true);
        Thread.currentThread().interrupt();
        throw new AttestationClientException(0, "", "interrupted while calling " + request.uri(), e);
      }
      int status = response.statusCode();
      byte[] body = response.body();
      if (status >= 200 && status < 300) {
        return body;
      }
      if ((status == 429 || status == 503) && !last) {
        Optional<Duration> retryAfter = retryAfter(response);
        Duration delay = retryAfter.orElse(backoff);
        if (delay.compareTo(maxRetryDelay) <= 0) {
          sleep(delay, request);
          backoff = next(backoff);
          continue;
        }
      }
      throw error(status, body, request.uri(), attempt);
    }
  }

  private Duration next(Duration d) {
    Duration n = d.multipliedBy(2);
    return n.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : n;
  }

  private static void sleep(Duration d, HttpRequest request) throws AttestationClientException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AttestationClientException(0, "", "interrupted while waiting to retry " + request.uri(), e);
    }
  }

  /** Parses {@code Retry-After} as delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
  private Optional<Duration> retryAfter(HttpResponse<?> response) {
    Optional<String> v = response.headers().firstValue("Retry-After").map(String::trim);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String s = v.get();
    if (!s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(s)));
      } catch (NumberFormatException e) {
        return Optional.of(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L));
      }
    }
    try {
      Instant at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(clock.instant(), at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static AttestationClientException error(int status, byte[] body, URI uri, int attempts) {
    String code = "";
    String message = null;
    try {
      JsonValue err = Json.parseObject(new String(body, StandardCharsets.UTF_8)).get("error");
      if (err instanceof JsonObject e) {
        code = Objects.requireNonNullElse(e.optString("code"), "");
        message = e.optString("message");
      }
    } catch (MalformedInputException e) {
      // Not the MAA error shape: report an excerpt of the body below.
    }
    if (message == null) {
      message = body.length == 0 ? "(empty body)" : HttpSupport.excerpt(body);
    }
    return new AttestationClientException(status, code, "the attestation service at " + uri + " answered HTTP "
        + status + (code.isEmpty() ? "" : " " + code) + (attempts > 1 ? " after " + attempts + " attempts" : "")
        + ": " + message, null);
  }

  /** Builder of an {@link AttestationClient}; every setting has a safe default. */
  public static final class Builder {
    private final URI base;
    private String apiVersion = DEFAULT_API_VERSION;
    private HttpClient http;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 4;
    private Duration initialBackoff = Duration.ofMillis(250);
    private Duration maxRetryDelay = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private boolean allowHttp;

    private Builder(URI base) {
      this.base = Objects.requireNonNull(base, "baseUri");
    }

    /** Sets the {@code api-version} query parameter (default {@value #DEFAULT_API_VERSION}). */
    public Builder apiVersion(String v) {
      if (v == null || !v.matches("[0-9A-Za-z.-]{1,40}")) {
        throw new IllegalArgumentException("api-version must be like 2022-08-01, got " + v);
      }
      this.apiVersion = v;
      return this;
    }

    /** Uses {@code client} for all requests instead of a new one (for proxies or TLS settings). */
    public Builder httpClient(HttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Sets the absolute deadline of each attempt — connecting, the headers and the whole response
     * body — and the connect timeout of the default client (default 30 s).
     */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive(d, "requestTimeout");
      return this;
    }

    /** Sets the total number of attempts, 1 to {@value #MAX_ATTEMPTS_LIMIT} (default 4). */
    public Builder maxAttempts(int n) {
      if (n < 1 || n > MAX_ATTEMPTS_LIMIT) {
        throw new IllegalArgumentException("maxAttempts must be 1.." + MAX_ATTEMPTS_LIMIT + ", got " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** Sets the first wait before a retry without {@code Retry-After}; it doubles up to the maximum (default 250 ms). */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = positive(d, "initialBackoff");
      return this;
    }

    /**
     * Sets the longest wait before a retry (default 30 s); an answer whose {@code Retry-After} asks
     * for longer is reported instead of retried.
     */
    public Builder maxRetryDelay(Duration d) {
      this.maxRetryDelay = positive(d, "maxRetryDelay");
      return this;
    }

    /** Sets the clock used to read {@code Retry-After} dates. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** DANGEROUS: allows a plain-http base URL (local tests); quotes and tokens then travel unprotected. */
    public Builder insecureAllowPlainHttp() {
      this.allowHttp = true;
      return this;
    }

    /**
     * Returns the client.
     *
     * @throws IllegalArgumentException when the base URL is not https (or http with the insecure option)
     */
    public AttestationClient build() {
      HttpSupport.checkBaseUri(base, allowHttp, "the attestation service base URL");
      return new AttestationClient(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
