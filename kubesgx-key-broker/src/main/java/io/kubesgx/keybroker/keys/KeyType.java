package io.kubesgx.keybroker.keys;

import java.util.Optional;

/**
 * A Key Vault key type: a {@link KeyKind} and whether it was asked for as {@code -HSM}. This
 * broker keeps both kinds the same way (software keys encrypted at rest); the flag only keeps the
 * name the client used.
 *
 * @param kind the family
 * @param hsm whether {@code kty} carried {@code -HSM}
 */
public record KeyType(KeyKind kind, boolean hsm) {
  /** Returns the type for a {@code kty} ({@code RSA}, {@code RSA-HSM}, {@code EC}, {@code EC-HSM}, {@code oct}, {@code oct-HSM}). */
  public static Optional<KeyType> parse(String kty) {
    if (kty == null) {
      return Optional.empty();
    }
    for (KeyKind k : KeyKind.values()) {
      if (kty.equals(k.wire())) {
        return Optional.of(new KeyType(k, false));
      }
      if (kty.equals(k.wire() + "-HSM")) {
        return Optional.of(new KeyType(k, true));
      }
    }
    return Optional.empty();
  }

  /** Returns the {@code kty} spelling. */
  public String wire() {
    return kind.wire() + (hsm ? "-HSM" : "");
  }
}
