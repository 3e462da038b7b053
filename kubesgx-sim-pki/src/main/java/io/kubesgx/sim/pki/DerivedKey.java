package io.kubesgx.sim.pki;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.sim.pki.internal.DeterministicEcdsa;
import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Objects;

/**
 * A P-256 key pair derived deterministically from a seed and a label, that signs deterministically
 * (RFC 6979 nonces) so that everything built from it is byte-for-byte reproducible.
 *
 * <p>The private scalar is exactly as secret as the seed: the simulated platform uses 32 random
 * bytes kept in its private fuses file; test fixtures use public seeds on purpose.
 */
public final class DerivedKey {
  private final String label;
  private final BigInteger d;
  private final ECPrivateKey privateKey;
  private final ECPublicKey publicKey;

  private DerivedKey(String label, BigInteger d) {
    this.label = label;
    this.d = d;
    this.privateKey = DeterministicEcdsa.privateKey(d);
    this.publicKey = DeterministicEcdsa.publicKey(d);
  }

  /** Derives the key for {@code label} from {@code seed}: d = SHA-256(seed ‖ 0 ‖ label) mod (n−1) + 1. */
  public static DerivedKey derive(String seed, String label) {
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(label, "label");
    return new DerivedKey(label, DeterministicEcdsa.deriveScalar(seed, label));
  }

  /** Returns the label the key was derived for. */
  public String label() {
    return label;
  }

  /** Returns the JCA private key. */
  public ECPrivateKey privateKey() {
    return privateKey;
  }

  /** Returns the JCA public key. */
  public ECPublicKey publicKey() {
    return publicKey;
  }

  /** Returns the public key as 64-byte big-endian X‖Y (the quote's attestation key form). */
  public Bytes publicXy() {
    return Ecdsa.xy(publicKey);
  }

  /** Signs {@code message} with ECDSA-SHA256 and returns the 64-byte r‖s (P1363) form. */
  public Bytes signP1363(byte[] message) {
    return Bytes.of(DeterministicEcdsa.signP1363(d, message));
  }

  /** Signs {@code message} with ECDSA-SHA256 and returns the DER (X9.62) form. */
  public byte[] signDer(byte[] message) {
    return DeterministicEcdsa.signDer(d, message);
  }

  @Override
  public String toString() {
    return "DerivedKey[" + label + "]";
  }
}
