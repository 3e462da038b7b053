package io.kubesgx.keybroker.wrap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.kubesgx.keybroker.wrap.KeyWrapException.Reason;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * Picks the transfer key from a verified token: the first RSA JWK in {@code x-ms-runtime.keys[]}
 * usable for encryption ({@code key_ops} contains {@code encrypt}, or {@code use} is {@code enc});
 * its {@code kid} is not significant (Key Vault policy grammar, "Environment Assertion").
 */
public final class TransferKeys {
  /** Most keys examined in {@code x-ms-runtime.keys}. */
  public static final int MAX_KEYS = 16;

  private TransferKeys() {}

  /**
   * Returns the transfer key from the {@code x-ms-runtime} claim value.
   *
   * @throws KeyWrapException {@link Reason#BAD_TRANSFER_KEY} when there is no suitable key
   */
  public static RSAPublicKey select(Object runtimeClaim) throws KeyWrapException {
    if (!(runtimeClaim instanceof Map<?, ?> runtime) || !(runtime.get("keys") instanceof List<?> keys)) {
      throw new KeyWrapException(Reason.BAD_TRANSFER_KEY,
          "the target token has no x-ms-runtime.keys: attest with runtime data {\"keys\":[RSA JWK with key_ops [\"encrypt\"]]}");
    }
    int seen = 0;
    for (Object k : keys) {
      if (++seen > MAX_KEYS) {
        break;
      }
      if (!(k instanceof Map<?, ?> m) || !"RSA".equals(m.get("kty"))) {
        continue;
      }
      RSAKey rsa;
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> jm = (Map<String, Object>) m;
        JWK jwk = JWK.parse(jm);
        if (!(jwk instanceof RSAKey r)) {
          continue;
        }
        rsa = r;
      } catch (ParseException | RuntimeException e) {
        continue;
      }
      boolean encrypt = rsa.getKeyOperations() != null && rsa.getKeyOperations().contains(KeyOperation.ENCRYPT);
      boolean enc = KeyUse.ENCRYPTION.equals(rsa.getKeyUse());
      if (!encrypt && !enc) {
        continue;
      }
      try {
        return rsa.toRSAPublicKey();
      } catch (JOSEException e) {
        continue;
      }
    }
    throw new KeyWrapException(Reason.BAD_TRANSFER_KEY,
        "x-ms-runtime.keys has no RSA key with key_ops [\"encrypt\"] or use \"enc\"");
  }
}
