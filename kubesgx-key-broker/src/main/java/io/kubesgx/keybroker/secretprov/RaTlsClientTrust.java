package io.kubesgx.keybroker.secretprov;

import io.kubesgx.quote.EnclaveReportBody;
import io.kubesgx.ratls.RaTlsEvidence;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts a client only when its certificate verifies as RA-TLS (as Gramine's secret-provisioning
 * server does during the handshake), and keeps each connection's result — the {@link VerifiedRaTls}
 * or why it was {@link Refused} — for the thread serving that socket to {@link #take}. It trusts
 * no server and names no acceptable issuers (RA-TLS certificates are self-signed).
 */
final class RaTlsClientTrust extends X509ExtendedTrustManager {
  private final RaTlsVerifier verifier;
  private final ConcurrentMap<Socket, Object> results = new ConcurrentHashMap<>();

  RaTlsClientTrust(RaTlsVerifier verifier) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  /** Returns and forgets the result for {@code socket}: a {@link VerifiedRaTls}, a {@link Refused}, or null. */
  Object take(Socket socket) {
    return results.remove(socket);
  }

  /** Returns how many results wait to be taken (for tests: none once connections ended). */
  int pending() {
    return results.size();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no client certificate: present the enclave's RA-TLS certificate");
    }
    try {
      results.put(socket, verifier.verify(chain[0]));
    } catch (RaTlsException e) {
      results.put(socket, new Refused(e, claimed(chain[0])));
      throw new CertificateException("the RA-TLS certificate was refused", e);
    }
  }

  /**
   * A refused certificate: why, and the identity its evidence claims (unverified), for the audit log.
   *
   * @param claimed e.g. {@code claimed (unverified) mrenclave …, mrsigner …, debug true}, or empty
   */
  record Refused(RaTlsException why, String claimed) {}

  /** Returns the enclave identity the certificate's evidence claims, unverified, or "" when it has none. */
  private static String claimed(X509Certificate cert) {
    try {
      EnclaveReportBody r = RaTlsEvidence.parse(cert).enclaveReport();
      return "claimed (not verified) mrenclave " + r.mrEnclave().hex() + ", mrsigner " + r.mrSigner().hex() + ", debug " + r.isDebug();
    } catch (RaTlsException | RuntimeException e) {
      return "";
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("the secret-provisioning listener serves sockets only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the secret-provisioning listener needs the connection's socket");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("the secret-provisioning listener trusts no server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("the secret-provisioning listener trusts no server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the secret-provisioning listener trusts no server");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
