package io.kubesgx.verifier;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.crypto.Ecdsa;
import io.kubesgx.pck.CertificateInfo;
import io.kubesgx.pck.Crls;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/** Verifies Intel-style certificate chains and CRLs against pinned anchor keys at a given time. */
final class ChainVerifier {
  static final String ECDSA_SHA256_OID = "1.2.840.10045.4.3.2";

  /** What a chain is for; decides the expected shape, names and failure reasons. */
  enum Kind {
    PCK("PCK certificate chain", "PCK Certificate", 2),
    SIGNING("TCB signing chain", "TCB Signing", 1),
    PCK_CRL_ISSUER("PCK CRL issuer chain", null, 1);

    final String label;
    final String leafCnSuffix;
    final int nonRootLength;

    Kind(String label, String leafCnSuffix, int nonRootLength) {
      this.label = label;
      this.leafCnSuffix = leafCnSuffix;
      this.nonRootLength = nonRootLength;
    }
  }

  /** A verified chain: its certificates below the anchor, leaf first, and the anchor used. */
  record Verified(List<X509Certificate> certs, TrustAnchor anchor, List<X509Certificate> all) {}

  private final VerificationCache cache;

  ChainVerifier(VerificationCache cache) {
    this.cache = cache;
  }

  Verified verify(List<X509Certificate> leafFirst, TrustAnchors anchors, Instant at, Kind kind)
      throws AttestationException {
    // Structural results (signatures, names, constraints) depend only on the exact certificates and
    // anchors; validity windows are re-checked on every call.
    Object known = cache.byIdentity(leafFirst, anchors, kind);
    if (known instanceof Verified) {
      Verified v = (Verified) known;
      for (X509Certificate c : v.certs()) {
        checkValidity(c, at, kind);
      }
      return v;
    }
    Verified v = verifyStructure(leafFirst, anchors, at, kind);
    cache.rememberByIdentity3(leafFirst, anchors, kind, v);
    return v;
  }

  private Verified verifyStructure(List<X509Certificate> leafFirst, TrustAnchors anchors, Instant at, Kind kind)
      throws AttestationException {
    if (leafFirst.isEmpty()) {
      throw fail(kind, "the " + kind.label + " is empty");
    }
    List<X509Certificate> certs = new ArrayList<>(leafFirst);
    X509Certificate top = certs.get(certs.size() - 1);
    TrustAnchor anchor = null;
    if (top.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
      // spec: step 1 — a root certificate in a chain only locates the anchor; its key must be pinned.
      anchor = anchorForKey(anchors, top.getPublicKey());
      if (anchor == null) {
        throw new AttestationException(
            Reason.UNTRUSTED_ROOT,
            "the " + kind.label + " ends at '" + top.getSubjectX500Principal().getName()
                + "', whose key is not a configured trust anchor");
      }
      certs.remove(certs.size() - 1);
    }
    if (certs.size() != kind.nonRootLength) {
      throw fail(kind, "the " + kind.label + " must have " + kind.nonRootLength
          + " certificate(s) below the root, found " + certs.size());
    }
    X509Certificate last = certs.get(certs.size() - 1);
    if (anchor == null) {
      for (TrustAnchor a : anchors.all()) {
        if (last.getIssuerX500Principal().equals(a.subject()) && signatureOk(last, a.key())) {
          anchor = a;
          break;
        }
      }
      if (anchor == null) {
        throw new AttestationException(
            Reason.UNTRUSTED_ROOT, "the " + kind.label + " is not signed by a configured trust anchor");
      }
    }
    for (int i = 0; i < certs.size(); i++) {
      X509Certificate c = certs.get(i);
      boolean leaf = i == 0;
      X500Principal issuerName = i + 1 < certs.size() ? certs.get(i + 1).getSubjectX500Principal() : anchor.subject();
      PublicKey issuerKey = i + 1 < certs.size() ? certs.get(i + 1).getPublicKey() : anchor.key();
      if (!c.getIssuerX500Principal().equals(issuerName)) {
        throw fail(kind, "certificate '" + c.getSubjectX500Principal().getName() + "' is not issued by '" + issuerName.getName() + "'");
      }
      if (!ECDSA_SHA256_OID.equals(c.getSigAlgOID()) || !Ecdsa.isP256(c.getPublicKey())) {
        throw fail(kind, "certificate '" + c.getSubjectX500Principal().getName() + "' is not ECDSA P-256 with SHA-256");
      }
      if (!signatureOk(c, issuerKey)) {
        throw fail(kind, "signature of certificate '" + c.getSubjectX500Principal().getName() + "' does not verify");
      }
      boolean isCa = c.getBasicConstraints() >= 0;
      boolean wantCa = !leaf || kind == Kind.PCK_CRL_ISSUER;
      if (wantCa != isCa) {
        throw fail(kind, "certificate '" + c.getSubjectX500Principal().getName() + "' has "
            + (isCa ? "CA" : "no CA") + " basic constraints where " + (wantCa ? "a CA" : "an end-entity") + " is required");
      }
      checkValidity(c, at, kind);
    }
    checkNames(certs, anchor, kind);
    return new Verified(List.copyOf(certs), anchor, List.copyOf(leafFirst));
  }

  private void checkNames(List<X509Certificate> certs, TrustAnchor anchor, Kind kind) throws AttestationException {
    String leafCn;
    try {
      leafCn = CertificateInfo.commonName(certs.get(0).getSubjectX500Principal());
    } catch (io.kubesgx.common.MalformedInputException e) {
      throw fail(kind, "the " + kind.label + " leaf has no usable common name: " + e.getMessage());
    }
    if (kind.leafCnSuffix != null) {
      boolean ok = anchor.isIntelProduction()
          ? leafCn.equals("Intel SGX " + kind.leafCnSuffix)
          : leafCn.endsWith(kind.leafCnSuffix);
      if (!ok) {
        throw fail(kind, "the " + kind.label + " leaf is '" + leafCn + "', expected 'Intel SGX " + kind.leafCnSuffix + "'");
      }
    } else {
      if (io.kubesgx.pck.PckCa.fromIssuer(certs.get(0).getSubjectX500Principal()).isEmpty()) {
        throw fail(kind, "the PCK CRL issuer '" + leafCn + "' is neither the PCK Processor CA nor the PCK Platform CA");
      }
    }
    if (kind == Kind.PCK && io.kubesgx.pck.PckCa.fromIssuer(certs.get(0).getIssuerX500Principal()).isEmpty()) {
      throw fail(kind, "the PCK certificate is issued by '" + certs.get(0).getIssuerX500Principal().getName()
          + "', neither the PCK Processor CA nor the PCK Platform CA");
    }
  }

  private static AttestationException fail(Kind kind, String msg) {
    return new AttestationException(kind == Kind.PCK ? Reason.INVALID_PCK_CERT : Reason.INVALID_SIGNING_CHAIN, msg);
  }

  private static void checkValidity(X509Certificate c, Instant at, Kind kind) throws AttestationException {
    Instant nb = c.getNotBefore().toInstant();
    Instant na = c.getNotAfter().toInstant();
    String name = c.getSubjectX500Principal().getName();
    if (at.isBefore(nb)) {
      throw new AttestationException(
          kind == Kind.PCK ? Reason.PCK_CERT_NOT_YET_VALID : Reason.SIGNING_CERT_NOT_YET_VALID,
          "certificate '" + name + "' is valid only from " + nb + " (evaluation time " + at + ")");
    }
    if (at.isAfter(na)) {
      throw new AttestationException(
          kind == Kind.PCK ? Reason.PCK_CERT_EXPIRED : Reason.SIGNING_CERT_EXPIRED,
          "certificate '" + name + "' expired at " + na + " (evaluation time " + at + ")");
    }
  }

  static TrustAnchor anchorForKey(TrustAnchors anchors, PublicKey key) {
    if (!(key instanceof ECPublicKey) || !Ecdsa.isP256(key)) {
      return null;
    }
    Bytes xy = Ecdsa.xy((ECPublicKey) key);
    for (TrustAnchor a : anchors.all()) {
      if (a.keyXy().equals(xy)) {
        return a;
      }
    }
    return null;
  }

  boolean signatureOk(X509Certificate c, PublicKey issuerKey) {
    if (cache.byIdentity(c, issuerKey) == Boolean.TRUE) {
      return true;
    }
    try {
      Bytes key = cacheKey("cert", c.getEncoded(), issuerKey.getEncoded());
      if (cache.isVerified(key)) {
        return true;
      }
      c.verify(issuerKey);
      cache.markVerified(key);
      cache.rememberByIdentity(c, issuerKey, Boolean.TRUE);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Verifies a CRL: issuer name, required extensions, ECDSA-SHA256 signature by {@code key}, and the
   * inclusive window {@code thisUpdate ≤ at ≤ nextUpdate}.
   */
  void verifyCrl(X509CRL crl, X500Principal expectedIssuer, PublicKey key, Instant at, String what)
      throws AttestationException {
    if (cache.byIdentity(crl, key, expectedIssuer) != Boolean.TRUE) {
      verifyCrlStructure(crl, expectedIssuer, key, what);
      cache.rememberByIdentity3(crl, key, expectedIssuer, Boolean.TRUE);
    }
    Instant thisUpdate = crl.getThisUpdate().toInstant();
    Instant nextUpdate = crl.getNextUpdate().toInstant();
    if (at.isBefore(thisUpdate)) {
      throw new AttestationException(Reason.CRL_NOT_YET_VALID, "the " + what + " is valid only from " + thisUpdate + " (evaluation time " + at + ")");
    }
    if (at.isAfter(nextUpdate)) {
      throw new AttestationException(Reason.CRL_EXPIRED, "the " + what + " expired at " + nextUpdate + " (evaluation time " + at + "); fetch a fresh one");
    }
  }

  private void verifyCrlStructure(X509CRL crl, X500Principal expectedIssuer, PublicKey key, String what)
      throws AttestationException {
    if (!crl.getIssuerX500Principal().equals(expectedIssuer)) {
      throw new AttestationException(
          Reason.INVALID_CRL, "the " + what + " is issued by '" + crl.getIssuerX500Principal().getName()
              + "', expected '" + expectedIssuer.getName() + "'");
    }
    if (!Crls.hasRequiredExtensions(crl)) {
      throw new AttestationException(Reason.INVALID_CRL, "the " + what + " lacks the CRL number or authority key identifier extension");
    }
    if (!ECDSA_SHA256_OID.equals(crl.getSigAlgOID())) {
      throw new AttestationException(Reason.INVALID_CRL, "the " + what + " is not signed with ECDSA-SHA256");
    }
    boolean ok = cache.byIdentity(crl, key) == Boolean.TRUE;
    if (!ok) {
      try {
        Bytes ck = cacheKey("crl", crl.getEncoded(), key.getEncoded());
        ok = cache.isVerified(ck);
        if (!ok) {
          crl.verify(key);
          cache.markVerified(ck);
          ok = true;
        }
        cache.rememberByIdentity(crl, key, Boolean.TRUE);
      } catch (GeneralSecurityException | RuntimeException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new AttestationException(Reason.INVALID_CRL, "the " + what + " signature does not verify");
    }
    if (crl.getNextUpdate() == null) {
      throw new AttestationException(Reason.INVALID_CRL, "the " + what + " has no nextUpdate");
    }
  }

  /** Verifies a raw r‖s signature with caching keyed by the exact bytes. */
  boolean rawSignatureOk(String domain, PublicKey key, byte[] message, Bytes sig) {
    Bytes ck;
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(domain.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      md.update((byte) 0);
      md.update(key.getEncoded());
      md.update(sig.toByteArray());
      md.update(message);
      ck = Bytes.of(md.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    if (cache.isVerified(ck)) {
      return true;
    }
    boolean ok = Ecdsa.verifyP1363(key, message, sig);
    if (ok) {
      cache.markVerified(ck);
    }
    return ok;
  }

  static Bytes cacheKey(String domain, byte[] a, byte[] b) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(domain.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      md.update((byte) 0);
      md.update(intBytes(a.length));
      md.update(a);
      md.update(b);
      return Bytes.of(md.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
