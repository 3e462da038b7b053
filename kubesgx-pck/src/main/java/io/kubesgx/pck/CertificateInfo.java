package io.kubesgx.pck;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/** Small, robust helpers for reading names and keys of already-parsed certificates. */
public final class CertificateInfo {
  private CertificateInfo() {}

  /**
   * Returns the single common name (CN) of {@code principal}.
   *
   * @throws MalformedInputException when the name has no CN, more than one CN (in any RDN), a CN
   *     that is not a string, or cannot be parsed
   */
  public static String commonName(X500Principal principal) throws MalformedInputException {
    if (principal == null) {
      throw new MalformedInputException("no distinguished name");
    }
    List<String> cns = commonNames(principal);
    if (cns.size() != 1) {
      throw new MalformedInputException(
          "expected exactly one CN in the name, found " + cns.size());
    }
    return cns.get(0);
  }

  /** Returns the SHA-256 of the DER SubjectPublicKeyInfo of {@code key}. */
  public static Bytes spkiSha256(PublicKey key) {
    byte[] spki = key.getEncoded();
    if (spki == null) {
      throw new IllegalArgumentException("public key has no encoded form");
    }
    return Bytes.of(spki).sha256();
  }

  /** Returns the single CN, or empty when absent, ambiguous or unparsable. */
  static Optional<String> singleCommonName(X500Principal principal) {
    try {
      return Optional.of(commonName(principal));
    } catch (MalformedInputException e) {
      return Optional.empty();
    }
  }

  private static List<String> commonNames(X500Principal principal) throws MalformedInputException {
    List<String> out = new ArrayList<>();
    try {
      LdapName name = new LdapName(principal.getName(X500Principal.RFC2253));
      for (Rdn rdn : name.getRdns()) {
        NamingEnumeration<? extends Attribute> attrs = rdn.toAttributes().getAll();
        while (attrs.hasMore()) {
          Attribute attr = attrs.next();
          if (!"CN".equalsIgnoreCase(attr.getID())
              && !"2.5.4.3".equals(attr.getID())
              && !"OID.2.5.4.3".equalsIgnoreCase(attr.getID())) {
            continue;
          }
          for (int i = 0; i < attr.size(); i++) {
            Object v = attr.get(i);
            if (!(v instanceof String)) {
              throw new MalformedInputException("CN is not a string");
            }
            out.add((String) v);
          }
        }
      }
    } catch (InvalidNameException e) {
      throw new MalformedInputException("unparsable distinguished name", e);
    } catch (NamingException | RuntimeException e) {
      throw new MalformedInputException("unreadable distinguished name", e);
    }
    return out;
  }
}
