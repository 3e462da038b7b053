package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.pck.internal.DerReader;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Orders an unordered set of certificates into a single path, leaf first, by name and key
 * identifier matching (dcap-verification.md §9.1: never rely on position).
 *
 * <p>Certificate {@code c} is considered issued by {@code p} when {@code c}'s issuer name equals
 * {@code p}'s subject name and, if {@code c} has an authority key identifier and {@code p} a
 * subject key identifier, the two identifiers are equal. No signature is checked here.
 */
public final class CertificateChains {
  private static final String SUBJECT_KEY_IDENTIFIER_OID = "2.5.29.14";
  private static final String AUTHORITY_KEY_IDENTIFIER_OID = "2.5.29.35";
  private static final int AKI_KEY_IDENTIFIER_TAG = 0x80;

  private CertificateChains() {}

  /**
   * Returns the certificates as one path from the leaf (the one certificate that issues no other
   * in the set) up to the last issuer; a self-signed root at the end is allowed but not required.
   *
   * @throws MalformedInputException when the set is empty or too large, or contains duplicates
   *     (same encoding or same subject), branches, cycles or certificates not on the leaf's path
   */
  public static List<X509Certificate> orderLeafFirst(List<X509Certificate> certs)
      throws MalformedInputException {
    if (certs == null || certs.isEmpty()) {
      throw new MalformedInputException("empty certificate chain");
    }
    if (certs.size() > Certificates.MAX_CERTIFICATES) {
      throw new MalformedInputException("certificate chain too long: " + certs.size());
    }
    int n = certs.size();
    List<Node> nodes = new ArrayList<>(n);
    Set<Bytes> encodings = new HashSet<>();
    Set<X500Principal> subjects = new HashSet<>();
    for (X509Certificate c : certs) {
      if (c == null) {
        throw new MalformedInputException("null certificate in chain");
      }
      Node node = Node.of(c);
      if (!encodings.add(node.encoding)) {
        throw new MalformedInputException("duplicate certificate in chain: " + node.subject);
      }
      if (!subjects.add(node.subject)) {
        throw new MalformedInputException("two certificates share the subject " + node.subject);
      }
      nodes.add(node);
    }

    // parent[i] = index of the certificate that issued certs[i], or -1 (none in the set / self).
    int[] parent = new int[n];
    int[] children = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = -1;
      for (int j = 0; j < n; j++) {
        if (i != j && nodes.get(i).issuedBy(nodes.get(j))) {
          if (parent[i] != -1) {
            throw new MalformedInputException("ambiguous issuer for " + nodes.get(i).subject);
          }
          parent[i] = j;
        }
      }
      if (parent[i] != -1) {
        children[parent[i]]++;
      }
    }
    int leaf = -1;
    for (int i = 0; i < n; i++) {
      if (children[i] > 1) {
        throw new MalformedInputException(
            "branching chain: " + nodes.get(i).subject + " issues several certificates");
      }
      if (children[i] == 0) {
        if (leaf != -1) {
          throw new MalformedInputException("certificate set has more than one leaf");
        }
        leaf = i;
      }
    }
    if (leaf == -1) {
      throw new MalformedInputException("certificate chain is a cycle");
    }
    List<X509Certificate> out = new ArrayList<>(n);
    boolean[] seen = new boolean[n];
    for (int i = leaf; i != -1; i = parent[i]) {
      if (seen[i]) {
        throw new MalformedInputException("certificate chain contains a cycle");
      }
      seen[i] = true;
      out.add(nodes.get(i).cert);
    }
    if (out.size() != n) {
      throw new MalformedInputException(
          "certificate set has " + (n - out.size()) + " certificate(s) not on the leaf's path");
    }
    return List.copyOf(out);
  }

  /** A certificate with the names and key identifiers used for matching. */
  private static final class Node {
    final X509Certificate cert;
    final Bytes encoding;
    final X500Principal subject;
    final X500Principal issuer;
    final Optional<Bytes> subjectKeyId;
    final Optional<Bytes> authorityKeyId;

    private Node(
        X509Certificate cert,
        Bytes encoding,
        X500Principal subject,
        X500Principal issuer,
        Optional<Bytes> subjectKeyId,
        Optional<Bytes> authorityKeyId) {
      this.cert = cert;
      this.encoding = encoding;
      this.subject = subject;
      this.issuer = issuer;
      this.subjectKeyId = subjectKeyId;
      this.authorityKeyId = authorityKeyId;
    }

    static Node of(X509Certificate c) throws MalformedInputException {
      try {
        return new Node(
            c,
            Bytes.of(c.getEncoded()),
            c.getSubjectX500Principal(),
            c.getIssuerX500Principal(),
            subjectKeyId(c),
            authorityKeyId(c));
      } catch (CertificateEncodingException | RuntimeException e) {
        throw new MalformedInputException("unreadable certificate in chain", e);
      }
    }

    boolean issuedBy(Node p) {
      if (!issuer.equals(p.subject)) {
        return false;
      }
      if (authorityKeyId.isPresent() && p.subjectKeyId.isPresent()) {
        return authorityKeyId.get().equals(p.subjectKeyId.get());
      }
      return true;
    }
  }

  private static Optional<Bytes> subjectKeyId(X509Certificate c) throws MalformedInputException {
    byte[] wrapped = c.getExtensionValue(SUBJECT_KEY_IDENTIFIER_OID);
    if (wrapped == null) {
      return Optional.empty();
    }
    DerReader outer = DerReader.of(wrapped);
    DerReader value = DerReader.of(outer.readOctetString());
    outer.expectEnd();
    Bytes id = value.readOctetString();
    value.expectEnd();
    return Optional.of(id);
  }

  private static Optional<Bytes> authorityKeyId(X509Certificate c)
      throws MalformedInputException {
    byte[] wrapped = c.getExtensionValue(AUTHORITY_KEY_IDENTIFIER_OID);
    if (wrapped == null) {
      return Optional.empty();
    }
    DerReader outer = DerReader.of(wrapped);
    DerReader value = DerReader.of(outer.readOctetString());
    outer.expectEnd();
    DerReader seq = value.readSequence();
    value.expectEnd();
    if (seq.isAtEnd() || seq.peekTag() != AKI_KEY_IDENTIFIER_TAG) {
      return Optional.empty();
    }
    return Optional.of(seq.read(AKI_KEY_IDENTIFIER_TAG).rest());
  }
}
