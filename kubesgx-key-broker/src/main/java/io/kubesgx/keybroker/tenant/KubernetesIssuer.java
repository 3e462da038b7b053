package io.kubesgx.keybroker.tenant;

import java.util.Objects;

/**
 * The cluster whose service-account tokens the broker accepts.
 *
 * @param issuer the cluster's service-account issuer ({@code --service-account-issuer} of the API
 *     server), whose {@code /.well-known/openid-configuration} and JWKS are fetched
 * @param audience the audience projected tokens must carry ({@code aud})
 */
public record KubernetesIssuer(String issuer, String audience) {
  /** The audience expected when none is configured. */
  public static final String DEFAULT_AUDIENCE = "kubesgx-key-broker";

  /** Checks the fields. */
  public KubernetesIssuer {
    Objects.requireNonNull(issuer, "issuer");
    if (Objects.requireNonNull(audience, "audience").isBlank()) {
      throw new IllegalArgumentException("--k8s-audience must not be empty");
    }
  }
}
