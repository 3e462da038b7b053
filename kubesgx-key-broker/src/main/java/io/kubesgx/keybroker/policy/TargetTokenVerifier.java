package io.kubesgx.keybroker.policy;

import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.KeyBrokerException.Reason;
import io.kubesgx.sdk.attestation.TokenVerificationException;
import io.kubesgx.sdk.attestation.TokenVerifier;
import io.kubesgx.sdk.attestation.VerifiedToken;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies release targets (attestation tokens) against the configured trusted issuers: the token's
 * {@code iss} must be one of them (a trailing {@code /} ignored), and the SDK's {@link
 * TokenVerifier} then checks the signature with a key from that issuer's OIDC discovery + JWKS, only
 * the algorithms the issuer lists, {@code exp} and {@code nbf}.
 */
public final class TargetTokenVerifier {
  private final Map<String, String> trusted; // normalised → as configured
  private final Map<String, TokenVerifier> verifiers = new ConcurrentHashMap<>();
  private final Clock clock;
  private final HttpClient http;

  private TargetTokenVerifier(Map<String, String> trusted, Clock clock, HttpClient http) {
    this.trusted = Map.copyOf(trusted);
    this.clock = clock;
    this.http = http;
  }

  /**
   * Creates a verifier trusting {@code issuers} (https URLs, or http on a loopback address).
   *
   * @throws IllegalArgumentException for an empty list, a malformed URL or plain http off loopback
   */
  public static TargetTokenVerifier create(List<String> issuers, Clock clock, HttpClient http) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(http, "http");
    if (issuers.isEmpty()) {
      throw new IllegalArgumentException("at least one trusted issuer is needed (--trust-issuer URL)");
    }
    Map<String, String> t = new LinkedHashMap<>();
    for (String i : issuers) {
      checkIssuerUrl(i);
      t.put(ReleasePolicy.normalise(i), i);
    }
    return new TargetTokenVerifier(t, clock, http);
  }

  /**
   * Checks that {@code url} is an https URL, or an http URL whose host is a loopback address.
   *
   * @throws IllegalArgumentException with a message saying what to change
   */
  public static void checkIssuerUrl(String url) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("trusted issuer '" + url + "' is not a URL");
    }
    if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException("trusted issuer '" + url + "' must be https://HOST[:PORT][/PATH]");
    }
    if ("https".equals(u.getScheme())) {
      return;
    }
    if ("http".equals(u.getScheme()) && isLoopback(u.getHost())) {
      return;
    }
    throw new IllegalArgumentException("trusted issuer '" + url
        + "' must use https (plain http is accepted only on a loopback address such as 127.0.0.1)");
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return h.equals("localhost");
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Returns the trusted issuers as configured. */
  public List<String> trustedIssuers() {
    return List.copyOf(trusted.values());
  }

  /**
   * Verifies {@code jwt}.
   *
   * @throws KeyBrokerException {@link Reason#TARGET_REJECTED} with the check that failed
   */
  public VerifiedClaims verify(String jwt) throws KeyBrokerException {
    Objects.requireNonNull(jwt, "jwt");
    String iss;
    try {
      // Only to pick the issuer's verifier; nothing of the token is trusted before verify().
      iss = TokenVerifier.parseUnverified(jwt).unverifiedClaims().getIssuer();
    } catch (TokenVerificationException e) {
      throw new KeyBrokerException(Reason.TARGET_REJECTED, "target is not a JWT: " + e.getMessage(), "target is not a JWT");
    }
    if (iss == null || !trusted.containsKey(ReleasePolicy.normalise(iss))) {
      throw new KeyBrokerException(Reason.TARGET_REJECTED, "target token issuer '" + iss + "' is not trusted by this broker",
          "target token issuer is not trusted");
    }
    if (verifiers.size() > 4 * trusted.size() && !verifiers.containsKey(iss)) {
      verifiers.clear(); // bounded: at most a few spellings per trusted issuer
    }
    TokenVerifier v;
    try {
      v = verifiers.computeIfAbsent(iss, this::newVerifier);
    } catch (IllegalArgumentException e) {
      throw new KeyBrokerException(Reason.TARGET_REJECTED, "target token issuer '" + iss + "' is unusable: " + e.getMessage(),
          "target token issuer is not trusted");
    }
    try {
      VerifiedToken t = v.verify(jwt);
      return new VerifiedClaims(t.claims().getIssuer(), t.claims().toJSONObject());
    } catch (TokenVerificationException e) {
      throw new KeyBrokerException(Reason.TARGET_REJECTED, "target token rejected (" + e.reason() + "): " + e.getMessage(),
          "target token rejected: " + e.reason());
    }
  }

  private TokenVerifier newVerifier(String exactIss) {
    TokenVerifier.Builder b = TokenVerifier.newBuilder(exactIss).clock(clock).httpClient(http);
    if (exactIss.startsWith("http://")) {
      b.insecureAllowPlainHttp(); // accepted at configuration only on loopback
    }
    return b.build();
  }
}
