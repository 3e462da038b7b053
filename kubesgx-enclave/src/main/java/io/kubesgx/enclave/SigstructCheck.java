package io.kubesgx.enclave;

/**
 * The outcome of {@link Sigstruct#verify()}: the RSA signature, the public exponent and the Q1/Q2
 * helper values, checked separately.
 *
 * @param signatureValid the RSA-3072 PKCS#1 v1.5 SHA-256 signature (e = 3) over the signed message
 *     verifies under the SIGSTRUCT's own modulus
 * @param exponentIsThree the EXPONENT field is 3, as SGX requires
 * @param q1q2Valid Q1 = floor(S²/M) and Q2 = floor(S·(S² mod M)/M)
 */
public record SigstructCheck(boolean signatureValid, boolean exponentIsThree, boolean q1q2Valid) {
  /** Returns true when every check passed. */
  public boolean ok() {
    return signatureValid && exponentIsThree && q1q2Valid;
  }
}
