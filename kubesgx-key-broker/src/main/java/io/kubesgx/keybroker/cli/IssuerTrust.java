package io.kubesgx.keybroker.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the HTTP client with which the broker fetches its trusted issuers' and the Kubernetes
 * issuer's OIDC discovery and JWKS: it trusts the JVM's default CAs plus the CAs of
 * {@code --issuer-ca-file} (a private CA, cert-manager's CA, the cluster CA). Nothing is trusted
 * without a PKIX path to one of them; host names are checked as usual.
 */
final class IssuerTrust {
  /** The option whose files are read here, named in every error message. */
  static final String OPTION = "--issuer-ca-file";

  /** A CA bundle larger than this is refused before it is read (a public bundle is about 250 KiB). */
  static final long MAX_FILE_BYTES = 1 << 20;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private IssuerTrust() {}

  /**
   * Returns the client for issuer metadata: the JVM's trust store alone when {@code caFiles} is
   * empty, else that store plus every certificate in the files.
   *
   * @throws IllegalArgumentException naming the file and what to change when one cannot be used
   */
  static HttpClient httpClient(List<Path> caFiles) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
    if (!caFiles.isEmpty()) {
      List<X509Certificate> extra = new ArrayList<>();
      for (Path p : caFiles) {
        extra.addAll(readCertificates(p));
      }
      b.sslContext(sslContext(extra));
    }
    return b.build();
  }

  /**
   * Reads the PEM {@code CERTIFICATE} blocks of one file (one certificate or a bundle).
   *
   * @throws IllegalArgumentException when the file is missing, too large, not PEM certificates or empty
   */
  static List<X509Certificate> readCertificates(Path p) {
    KeyBrokerCommand.requireFile(p, OPTION, "PEM CA certificates (e.g. the issuer's ca.crt)");
    byte[] data;
    try {
      if (Files.size(p) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(OPTION + " " + p + " is larger than " + MAX_FILE_BYTES
            + " bytes; give only the CA certificates that issued the issuers' TLS certificates");
      }
      data = Files.readAllBytes(p);
    } catch (IOException e) {
      throw new IllegalArgumentException(OPTION + " " + p + ": cannot read it (" + e.getMessage()
          + "); check its permissions", e);
    }
    List<Bytes> ders;
    try {
      ders = Pem.decodeAll(data, "CERTIFICATE");
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException(OPTION + " " + p + " is not a PEM certificate bundle (" + e.getMessage()
          + "); give only -----BEGIN CERTIFICATE----- blocks", e);
    }
    if (ders.isEmpty()) {
      throw new IllegalArgumentException(OPTION + " " + p + " holds no certificate; give a PEM file with "
          + "-----BEGIN CERTIFICATE----- blocks");
    }
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (Bytes der : ders) {
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der.toByteArray())));
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(OPTION + " " + p + ": certificate " + (out.size() + 1)
          + " is not a valid X.509 certificate", e);
    }
    return List.copyOf(out);
  }

  /** Returns a TLS context trusting the JVM's default CAs and {@code extra}. */
  static SSLContext sslContext(List<X509Certificate> extra) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustAnchors(extra));
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the TLS trust store for issuer metadata", e);
    }
  }

  /** Returns a key store holding the JVM's default trust anchors and {@code extra}, all as trusted certificates. */
  static KeyStore trustAnchors(List<X509Certificate> extra) throws GeneralSecurityException {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    try {
      anchors.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot create an empty key store", e);
    }
    int n = 0;
    for (X509Certificate c : defaultTrustManager().getAcceptedIssuers()) {
      anchors.setCertificateEntry("jvm-" + n++, c);
    }
    for (X509Certificate c : extra) {
      anchors.setCertificateEntry("issuer-ca-" + n++, c);
    }
    return anchors;
  }

  private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("the JVM has no X.509 trust manager");
  }
}
