package io.kubesgx.ratls.jsse;

import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A JSSE trust manager that accepts a peer only when it presents exactly one certificate and that
 * certificate verifies as RA-TLS under a {@link RaTlsVerifier} (quote, key binding, collateral and
 * the verifier's policy); there is no fallback to PKIX and no certificate authority is trusted.
 *
 * <p>A refusal is a {@link CertificateException} whose message names the failing step and reason
 * and whose cause is the {@link RaTlsException}; JSSE turns it into a fatal {@code
 * certificate_unknown} alert. The verifier's cache (keyed by the certificate's bytes) makes a
 * repeated peer certificate cheap. The verified result is attached to the handshake session, where
 * {@link RaTlsContexts#peer} finds it.
 *
 * <p>Host names are not checked, whatever endpoint identification the connection asks for: an
 * RA-TLS certificate names no host ({@code CN=RATLS}); the quote's measurements identify the peer.
 * Whether a server requires or only requests client certificates is set on the connection (or by
 * {@link RaTlsContexts}); when a client sends none, this trust manager is not consulted and {@link
 * RaTlsContexts#peer} returns empty. {@link #getAcceptedIssuers()} is empty, so a server names no
 * certificate authorities in its request.
 *
 * <p>Verification runs inside the handshake: an uncached one costs a few milliseconds of CPU, and
 * a {@link io.kubesgx.ratls.CollateralSource} that fetches collateral may wait on the network. In
 * event-loop servers, run TLS handshake tasks on worker threads (Vert.x: {@code
 * setSslEngineOptions(new JdkSSLEngineOptions().setUseWorkerThread(true))}) and give the verifier a
 * cache.
 *
 * <pre>{@code
 * new HttpServerOptions().setSsl(true)
 *     .setKeyCertOptions(KeyCertOptions.wrap(RaTlsKeyManager.create(issuer)))
 *     .setTrustOptions(TrustOptions.wrap(RaTlsTrustManager.create(verifier)))
 *     .setClientAuth(ClientAuth.REQUIRED)
 *     .setSslEngineOptions(new JdkSSLEngineOptions().setUseWorkerThread(true));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class RaTlsTrustManager extends X509ExtendedTrustManager {
  /** Session value name under which the verified peer is attached to the handshake session. */
  static final String SESSION_VALUE = "io.kubesgx.ratls.jsse.peer";

  private static final X509Certificate[] NONE = new X509Certificate[0];

  private final RaTlsVerifier verifier;

  private RaTlsTrustManager(RaTlsVerifier verifier) {
    this.verifier = verifier;
  }

  /** Returns a trust manager that accepts the peers {@code verifier} verifies. */
  public static RaTlsTrustManager create(RaTlsVerifier verifier) {
    return new RaTlsTrustManager(Objects.requireNonNull(verifier, "verifier"));
  }

  /** Returns the verifier that decides. */
  public RaTlsVerifier verifier() {
    return verifier;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, null, "client");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, handshakeSession(socket), "client");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, engine == null ? null : engine.getHandshakeSession(), "client");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, null, "server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, handshakeSession(socket), "server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, engine == null ? null : engine.getHandshakeSession(), "server");
  }

  /** Returns an empty array: no certificate authority vouches for an RA-TLS peer. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NONE.clone();
  }

  private static SSLSession handshakeSession(Socket socket) {
    return socket instanceof SSLSocket s ? s.getHandshakeSession() : null;
  }

  private void check(X509Certificate[] chain, SSLSession handshake, String role) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("RA-TLS: the " + role + " presented no certificate; an RA-TLS peer presents its"
          + " self-signed RA-TLS certificate");
    }
    if (chain.length != 1) {
      throw new CertificateException("RA-TLS: the " + role + " presented a chain of " + chain.length
          + " certificates; an RA-TLS peer presents exactly one (its self-signed RA-TLS certificate)");
    }
    VerifiedRaTls verified;
    try {
      verified = verifier.verify(chain[0]);
    } catch (RaTlsException e) {
      throw refusal(role, e);
    }
    if (handshake != null) {
      handshake.putValue(SESSION_VALUE, new PeerRecord(verifier, verified));
    }
  }

  static CertificateException refusal(String role, RaTlsException e) {
    String detail = e.getMessage();
    String prefix = e.step() + ": ";
    if (detail != null && detail.startsWith(prefix)) {
      detail = detail.substring(prefix.length());
    }
    return new CertificateException("RA-TLS " + role + " refused at step " + e.step() + " (" + e.reason() + "): " + detail, e);
  }

  /** What the trust manager leaves in the handshake session: the verifier and its verdict. */
  record PeerRecord(RaTlsVerifier verifier, VerifiedRaTls verified) {}
}
