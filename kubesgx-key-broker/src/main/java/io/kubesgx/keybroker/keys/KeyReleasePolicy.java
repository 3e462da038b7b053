package io.kubesgx.keybroker.keys;

import io.kubesgx.keybroker.policy.ReleasePolicy;
import java.util.Objects;

/**
 * A key's release policy as stored: the parsed policy, its content type and whether it is immutable.
 *
 * @param contentType the {@code contentType} the client sent
 * @param immutable once true, the policy can never be changed (AKV.SKR.1020)
 * @param policy the parsed policy
 */
public record KeyReleasePolicy(String contentType, boolean immutable, ReleasePolicy policy) {
  /** Key Vault's default content type. */
  public static final String DEFAULT_CONTENT_TYPE = "application/json; charset=utf-8";

  /** Checks for nulls. */
  public KeyReleasePolicy {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(policy, "policy");
  }
}
