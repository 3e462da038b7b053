package io.kubesgx.collateral;

import io.kubesgx.common.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A collateral bundle for DCAP quote verification: CRLs, TCB info, QE identity, their issuer chains
 * and optionally the PCK certificate chain. Parsed, not verified.
 *
 * <p>Certificates and CRLs are kept as DER bytes in the order given; X.509 parsing and chain
 * building belong to {@code kubesgx-pck} and the verifier (chains are never trusted by position).
 *
 * @param rootCaCrl Intel SGX Root CA CRL (DER), if supplied
 * @param pckCrl PCK CRL (DER), if supplied
 * @param pckCrlIssuerChain PCK CRL issuer chain (DER certificates, as given; may be empty)
 * @param tcbInfo the signed TCB info
 * @param tcbInfoIssuerChain TCB info issuer chain (DER certificates, as given; non-empty from loaders)
 * @param qeIdentity the signed QE (or TD_QE) identity
 * @param qeIdentityIssuerChain QE identity issuer chain (DER certificates, as given)
 * @param pckCertificateChain PCK chain supplied with the collateral; empty when absent
 */
public record Collateral(
    Optional<Bytes> rootCaCrl,
    Optional<Bytes> pckCrl,
    List<Bytes> pckCrlIssuerChain,
    SignedTcbInfo tcbInfo,
    List<Bytes> tcbInfoIssuerChain,
    SignedEnclaveIdentity qeIdentity,
    List<Bytes> qeIdentityIssuerChain,
    List<Bytes> pckCertificateChain) {

  /** Checks for nulls and copies the lists. */
  public Collateral {
    Objects.requireNonNull(rootCaCrl, "rootCaCrl");
    Objects.requireNonNull(pckCrl, "pckCrl");
    pckCrlIssuerChain = List.copyOf(pckCrlIssuerChain);
    Objects.requireNonNull(tcbInfo, "tcbInfo");
    tcbInfoIssuerChain = List.copyOf(tcbInfoIssuerChain);
    Objects.requireNonNull(qeIdentity, "qeIdentity");
    qeIdentityIssuerChain = List.copyOf(qeIdentityIssuerChain);
    pckCertificateChain = List.copyOf(pckCertificateChain);
  }

  /**
   * Returns SHA-256 digests of every input item for the audit trail, in a fixed order.
   *
   * <p>Keys: {@code rootCaCrl} and {@code pckCrl} (DER; only when present), {@code
   * pckCrlIssuerChain}, {@code tcbInfo} (the signed bytes), {@code tcbInfoSignature}, {@code
   * tcbInfoIssuerChain}, {@code qeIdentity} (the signed bytes), {@code qeIdentitySignature}, {@code
   * qeIdentityIssuerChain}, and {@code pckCertificateChain} (only when non-empty). A chain's digest
   * is over the concatenation of its DER certificates in the given order (unambiguous, since DER is
   * self-delimiting).
   */
  public Map<String, Bytes> sha256Digests() {
    Map<String, Bytes> m = new LinkedHashMap<>();
    rootCaCrl.ifPresent(b -> m.put("rootCaCrl", sha256(List.of(b))));
    pckCrl.ifPresent(b -> m.put("pckCrl", sha256(List.of(b))));
    m.put("pckCrlIssuerChain", sha256(pckCrlIssuerChain));
    m.put("tcbInfo", sha256(List.of(Bytes.of(tcbInfo.signedJson().getBytes(StandardCharsets.UTF_8)))));
    m.put("tcbInfoSignature", sha256(List.of(tcbInfo.signature())));
    m.put("tcbInfoIssuerChain", sha256(tcbInfoIssuerChain));
    m.put("qeIdentity", sha256(List.of(Bytes.of(qeIdentity.signedJson().getBytes(StandardCharsets.UTF_8)))));
    m.put("qeIdentitySignature", sha256(List.of(qeIdentity.signature())));
    m.put("qeIdentityIssuerChain", sha256(qeIdentityIssuerChain));
    if (!pckCertificateChain.isEmpty()) {
      m.put("pckCertificateChain", sha256(pckCertificateChain));
    }
    return Collections.unmodifiableMap(m);
  }

  private static Bytes sha256(List<Bytes> parts) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
    for (Bytes b : parts) {
      b.updateDigest(md);
    }
    return Bytes.of(md.digest());
  }
}
