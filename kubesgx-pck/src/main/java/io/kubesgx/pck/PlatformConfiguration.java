package io.kubesgx.pck;

import java.util.Objects;
import java.util.Optional;

/**
 * The platform configuration ({@code 1.2.840.113741.1.13.1.7}) of a Platform-CA PCK certificate.
 *
 * <p>{@link SgxExtensionParser} always fills all three values (Intel's platform parser requires
 * them); the optionals exist for callers that build the value themselves.
 *
 * @param dynamicPlatform {@code .7.1} dynamic platform
 * @param cachedKeys {@code .7.2} cached keys
 * @param smtEnabled {@code .7.3} SMT enabled
 */
public record PlatformConfiguration(
    Optional<Boolean> dynamicPlatform, Optional<Boolean> cachedKeys, Optional<Boolean> smtEnabled) {

  /** Validates that no component is null. */
  public PlatformConfiguration {
    Objects.requireNonNull(dynamicPlatform, "dynamicPlatform");
    Objects.requireNonNull(cachedKeys, "cachedKeys");
    Objects.requireNonNull(smtEnabled, "smtEnabled");
  }
}
