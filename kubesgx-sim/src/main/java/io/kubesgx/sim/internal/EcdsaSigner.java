package io.kubesgx.sim.internal;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.crypto.Ecdsa;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * ECDSA P-256 with SHA-256 through the preferred JCA provider, returning the 64-byte r‖s form
 * quotes use. One instance per thread ({@link Signature} is not thread-safe).
 */
public final class EcdsaSigner {
  private final PrivateKey key;
  private final ThreadLocal<Signature> signatures;

  /** Creates a signer for {@code key}. */
  public EcdsaSigner(PrivateKey key) {
    this.key = key;
    this.signatures = ThreadLocal.withInitial(EcdsaSigner::newSignature);
  }

  /** Signs {@code message[offset, offset + length)} and writes r‖s into {@code out} at {@code outOffset}. */
  public void sign(byte[] message, int offset, int length, byte[] out, int outOffset) {
    try {
      Signature s = signatures.get();
      s.initSign(key);
      s.update(message, offset, length);
      System.arraycopy(Ecdsa.derToP1363(s.sign(), "attestation signature").toByteArray(), 0, out, outOffset, 64);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ECDSA signing failed", e);
    } catch (MalformedInputException e) {
      throw new IllegalStateException("the JCA provider returned a malformed ECDSA signature", e);
    }
  }

  private static Signature newSignature() {
    try {
      return Signature.getInstance("SHA256withECDSA");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA256withECDSA unavailable", e);
    }
  }
}
