package io.kubesgx.keybroker.tenant;

import com.nimbusds.jwt.JWTClaimsSet;
import io.kubesgx.keybroker.KeyBrokerException;
import io.kubesgx.keybroker.KeyBrokerException.Reason;
import io.kubesgx.keybroker.policy.TargetTokenVerifier;
import io.kubesgx.sdk.attestation.TokenVerificationException;
import io.kubesgx.sdk.attestation.TokenVerifier;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Verifies Kubernetes service-account tokens (projected tokens whose audience is the broker)
 * against the cluster's OIDC issuer: discovery and JWKS fetched and cached by the SDK's {@link
 * TokenVerifier}, which also checks {@code iss} exactly, {@code exp}/{@code nbf} and that the
 * algorithm is one the issuer lists (RS256 or ES256); this class checks {@code aud} and reads the
 * {@code kubernetes.io} claims (namespace, service account name).
 */
public final class ServiceAccountVerifier {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  private final TokenVerifier verifier;
  private final String issuer;
  private final String audience;

  private ServiceAccountVerifier(TokenVerifier verifier, String issuer, String audience) {
    this.verifier = verifier;
    this.issuer = issuer;
    this.audience = audience;
  }

  /**
   * Creates a verifier for tokens issued by {@code issuer} (https, or http on loopback) for {@code audience}.
   *
   * @throws IllegalArgumentException for an unusable issuer URL or an empty audience
   */
  public static ServiceAccountVerifier create(String issuer, String audience, Clock clock, HttpClient http) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(http, "http");
    try {
      TargetTokenVerifier.checkIssuerUrl(issuer);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--k8s-issuer: " + e.getMessage().replace("trusted issuer", "the issuer"));
    }
    if (audience == null || audience.isBlank()) {
      throw new IllegalArgumentException("--k8s-audience must not be empty");
    }
    TokenVerifier.Builder b = TokenVerifier.newBuilder(issuer).clock(clock).httpClient(http);
    if (issuer.startsWith("http://")) {
      b.insecureAllowPlainHttp(); // accepted above only on loopback
    }
    return new ServiceAccountVerifier(b.build(), issuer, audience);
  }

  /** Returns the issuer. */
  public String issuer() {
    return issuer;
  }

  /** Returns the audience tokens must be issued for. */
  public String audience() {
    return audience;
  }

  /**
   * Verifies a service-account token.
   *
   * @throws KeyBrokerException {@link Reason#UNAUTHORIZED} naming the failed check (never the token), or
   *     {@link Reason#UNAVAILABLE} when the issuer's metadata or keys cannot be fetched
   */
  public ServiceAccount verify(String jwt) throws KeyBrokerException {
    JWTClaimsSet claims;
    try {
      claims = verifier.verify(jwt).claims();
    } catch (TokenVerificationException e) {
      if (e.reason() == TokenVerificationException.Reason.METADATA_UNAVAILABLE) {
        // The cluster issuer is down or unreachable: not the caller's fault, so no 401 (which means "re-authenticate").
        throw new KeyBrokerException(Reason.UNAVAILABLE,
            "the Kubernetes issuer's keys cannot be fetched to check the service-account token; retry later");
      }
      throw new KeyBrokerException(Reason.UNAUTHORIZED, "AKV10032: Invalid bearer token: the service-account token was rejected ("
          + e.reason() + ")");
    }
    // spec: RFC 7519 §4.1.3 — the token must be meant for us: our audience among its aud values.
    List<String> aud = claims.getAudience();
    if (aud == null || !aud.contains(audience)) {
      throw new KeyBrokerException(Reason.UNAUTHORIZED,
          "AKV10032: Invalid bearer token: the service-account token's audience is not " + audience);
    }
    // Kubernetes puts the identity under "kubernetes.io": {"namespace", "serviceaccount": {"name", "uid"}}.
    Object k8s = claims.getClaim("kubernetes.io");
    if (!(k8s instanceof Map<?, ?> m) || !(m.get("namespace") instanceof String ns)
        || !(m.get("serviceaccount") instanceof Map<?, ?> sa) || !(sa.get("name") instanceof String name)
        || !NAME.matcher(ns).matches() || !NAME.matcher(name).matches()) {
      throw new KeyBrokerException(Reason.UNAUTHORIZED,
          "AKV10032: Invalid bearer token: not a Kubernetes service-account token (no kubernetes.io namespace and serviceaccount.name)");
    }
    ServiceAccount account = new ServiceAccount(ns, name);
    if (claims.getSubject() != null && !claims.getSubject().equals(account.subject())) {
      throw new KeyBrokerException(Reason.UNAUTHORIZED,
          "AKV10032: Invalid bearer token: the service-account token's sub does not match its kubernetes.io claims");
    }
    return account;
  }
}
