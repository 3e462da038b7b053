package io.kubesgx.attestation.token;

import java.util.Locale;

/** JWS algorithms the service signs tokens with. */
public enum SigningAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256 over a 2048-bit RSA key: what MAA uses. */
  RS256,
  /** ECDSA P-256 with SHA-256. */
  ES256;

  /** Parses {@code RS256} or {@code ES256}, case-insensitively. */
  public static SigningAlgorithm parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown signing algorithm \"" + s + "\"; use RS256 or ES256", e);
    }
  }
}
