package io.kubesgx.keybroker.kbs;

import io.kubesgx.common.json.JsonValue.JsonObject;
import java.security.PublicKey;
import java.util.Objects;

/**
 * The enclave's key from {@code runtime-data.tee-pubkey}: the JWK exactly as the client sent it (it is
 * hashed into the REPORTDATA binding) and the public key the resource JWE is encrypted to.
 *
 * @param jwk the JWK members as received
 * @param alg the JWE {@code alg} ({@code RSA-OAEP-256} or {@code ECDH-ES+A256KW})
 * @param key the parsed, validated public key
 */
public record TeePubKey(JsonObject jwk, String alg, PublicKey key) {
  /** {@code alg} of an RSA key. */
  public static final String RSA_OAEP_256 = "RSA-OAEP-256";
  /** {@code alg} of an EC key. */
  public static final String ECDH_ES_A256KW = "ECDH-ES+A256KW";

  /** Checks for nulls. */
  public TeePubKey {
    Objects.requireNonNull(jwk, "jwk");
    Objects.requireNonNull(alg, "alg");
    Objects.requireNonNull(key, "key");
  }
}
