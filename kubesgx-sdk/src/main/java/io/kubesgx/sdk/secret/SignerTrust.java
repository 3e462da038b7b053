package io.kubesgx.sdk.secret;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which signers of release results ({@code x5c} of the release JWS) a {@link SecretClient} trusts:
 * either pinned certificates (the broker's release-signing certificate itself) or certificate
 * authorities that must have issued the leaf (PKIX path validation at the client's clock, without
 * revocation checking). There is no "trust anything" option.
 */
public final class SignerTrust {
  /** Most certificates read from an {@code x5c} header. */
  static final int MAX_CHAIN = 8;

  private final List<X509Certificate> pinned;
  private final Set<TrustAnchor> anchors;

  private SignerTrust(List<X509Certificate> pinned, Set<TrustAnchor> anchors) {
    this.pinned = pinned;
    this.anchors = anchors;
  }

  /** Trusts a release JWS only when its {@code x5c} leaf is one of {@code certificates} (byte for byte) and valid now. */
  public static SignerTrust pinned(Collection<X509Certificate> certificates) {
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("pin at least one release-signing certificate");
    }
    return new SignerTrust(List.copyOf(certificates), Set.of());
  }

  /** Trusts a release JWS whose {@code x5c} chain leads to one of {@code cas} (PKIX, no revocation checking). */
  public static SignerTrust certificateAuthorities(Collection<X509Certificate> cas) {
    if (cas.isEmpty()) {
      throw new IllegalArgumentException("give at least one certificate authority");
    }
    Set<TrustAnchor> a = new HashSet<>();
    for (X509Certificate c : cas) {
      a.add(new TrustAnchor(c, null));
    }
    return new SignerTrust(List.of(), Set.copyOf(a));
  }

  /**
   * Reads PEM certificates from {@code file} and pins them ({@link #pinned}).
   *
   * @throws IOException when the file cannot be read or holds no certificate
   */
  public static SignerTrust pinnedPem(Path file) throws IOException {
    return pinned(readPem(file));
  }

  /**
   * Reads PEM CA certificates from {@code file} ({@link #certificateAuthorities}).
   *
   * @throws IOException when the file cannot be read or holds no certificate
   */
  public static SignerTrust certificateAuthoritiesPem(Path file) throws IOException {
    return certificateAuthorities(readPem(file));
  }

  private static List<X509Certificate> readPem(Path file) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IOException(file + " is not a PEM certificate file: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IOException(file + " holds no certificate");
    }
    return out;
  }

  /**
   * Checks the signer's chain ({@code chain.get(0)} is the leaf).
   *
   * @throws SecretException {@link SecretException.Reason#BAD_RESPONSE} when the signer is not trusted
   */
  void check(List<X509Certificate> chain, Instant now) throws SecretException {
    if (chain.isEmpty()) {
      throw untrusted("the release result names no signing certificate (x5c)", null);
    }
    X509Certificate leaf = chain.get(0);
    try {
      if (!pinned.isEmpty()) {
        boolean match = false;
        for (X509Certificate p : pinned) {
          match |= Arrays.equals(p.getEncoded(), leaf.getEncoded());
        }
        if (!match) {
          throw untrusted("the release result is signed by " + leaf.getSubjectX500Principal()
              + ", which is not the pinned release-signing certificate", null);
        }
        leaf.checkValidity(Date.from(now));
        return;
      }
      // The path ends before the anchor: a chain that includes its root would have the root validated as
      // an ordinary certificate.
      List<X509Certificate> path = new ArrayList<>();
      for (X509Certificate c : chain) {
        if (anchors.stream().anyMatch(a -> a.getTrustedCert().equals(c))) {
          break;
        }
        path.add(c);
      }
      if (path.isEmpty()) {
        throw untrusted("the release result is signed by a certificate authority's own key; a leaf is required", null);
      }
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw untrusted("the release result's signing certificate " + leaf.getSubjectX500Principal()
          + " is not trusted: " + e.getMessage(), e);
    }
  }

  private static SecretException untrusted(String message, Throwable cause) {
    return new SecretException(SecretException.Reason.BAD_RESPONSE, message, cause);
  }
}
