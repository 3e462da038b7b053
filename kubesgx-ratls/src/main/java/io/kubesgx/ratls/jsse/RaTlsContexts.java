package io.kubesgx.ratls.jsse;

import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsVerifier;
import io.kubesgx.ratls.VerifiedRaTls;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One-line {@link SSLContext} factories for attested TLS (TLSv1.3 and TLSv1.2), and {@link #peer}
 * to read the verified peer of a connection.
 *
 * <p>Engines and sockets made by these contexts, and their default parameters (which the JDK {@code
 * HttpClient} and {@code HttpsServer} use), enable only TLSv1.3 and TLSv1.2; a server-side
 * connection requires a client certificate when the factory verifies clients ({@link
 * ClientAuth#REQUIRE} unless another mode is passed). Session resumption skips certificate checks in
 * every JSSE context, so these contexts keep sessions for {@link #SESSION_TIMEOUT_SECONDS} seconds
 * only (the JDK's default is a day); {@link #peer} verifies again (from the verifier's cache).
 *
 * <pre>{@code
 * // an enclave calling an attested service, presenting its own RA-TLS certificate
 * SSLContext ctx = RaTlsContexts.mutual(issuer, verifier);
 * HttpClient http = HttpClient.newBuilder().sslContext(ctx).build();
 *
 * // in the server: who is calling?
 * Optional<VerifiedRaTls> peer = RaTlsContexts.peer(sslSession);
 * }</pre>
 */
public final class RaTlsContexts {
  /** The protocols enabled on every engine and socket, newest first. */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  /** How long the contexts keep TLS sessions for resumption, in seconds. */
  public static final int SESSION_TIMEOUT_SECONDS = 300;

  /** Whether a server-side connection asks its client for a certificate. */
  public enum ClientAuth {
    /** The client must present a certificate that verifies; otherwise the handshake fails. */
    REQUIRE,
    /**
     * The client is asked for a certificate; one that it presents must verify, but a client without
     * one is let in and {@link #peer} returns empty for it.
     */
    REQUEST,
    /** The client is not asked (client-side and server-only contexts). */
    NONE
  }

  private RaTlsContexts() {}

  /**
   * Returns a context that presents a fresh RA-TLS certificate from {@code issuer} and accepts only
   * peers whose RA-TLS certificate {@code verifier} verifies, in both roles (as a server it requires
   * a client certificate). The key manager re-issues hourly on its own daemon thread, which lives as
   * long as the JVM; to stop it, build the {@link RaTlsKeyManager} yourself, pass it to {@link
   * #mutual(RaTlsKeyManager, RaTlsVerifier)} and close it.
   *
   * @throws RaTlsException when the first certificate cannot be issued
   */
  public static SSLContext mutual(RaTlsIssuer issuer, RaTlsVerifier verifier) throws RaTlsException {
    return mutual(RaTlsKeyManager.create(Objects.requireNonNull(issuer, "issuer")), verifier);
  }

  /** Returns a mutual-attestation context over an existing key manager (see {@link #mutual(RaTlsIssuer, RaTlsVerifier)}). */
  public static SSLContext mutual(RaTlsKeyManager keys, RaTlsVerifier verifier) {
    Objects.requireNonNull(keys, "keys");
    return build(new KeyManager[] {keys}, RaTlsTrustManager.create(verifier), ClientAuth.REQUIRE);
  }

  /** Returns a client context that accepts only a server whose RA-TLS certificate {@code verifier} verifies; it presents no certificate. */
  public static SSLContext client(RaTlsVerifier verifier) {
    return build(null, RaTlsTrustManager.create(verifier), ClientAuth.NONE);
  }

  /**
   * Returns a server context that presents an RA-TLS certificate from {@code issuer} and does not ask
   * clients for certificates (a client certificate, if a caller turns client authentication on, is
   * refused).
   *
   * @throws RaTlsException when the first certificate cannot be issued
   */
  public static SSLContext server(RaTlsIssuer issuer) throws RaTlsException {
    return server(RaTlsKeyManager.create(Objects.requireNonNull(issuer, "issuer")));
  }

  /** Returns a server context over an existing key manager (see {@link #server(RaTlsIssuer)}). */
  public static SSLContext server(RaTlsKeyManager keys) {
    Objects.requireNonNull(keys, "keys");
    return build(new KeyManager[] {keys}, new RefuseAll(), ClientAuth.NONE);
  }

  /**
   * Returns a server context with an ordinary certificate ({@code ordinaryServerKeys}, for example
   * from a PKCS#12 key store) that requires clients to present an RA-TLS certificate {@code verifier}
   * verifies: the shape of Gramine's secret provisioning, where the enclave is the client.
   */
  public static SSLContext serverVerifyingClients(KeyManager ordinaryServerKeys, RaTlsVerifier verifier) {
    return serverVerifyingClients(ordinaryServerKeys, verifier, ClientAuth.REQUIRE);
  }

  /**
   * As {@link #serverVerifyingClients(KeyManager, RaTlsVerifier)}, with client certificates required
   * or only requested ({@link ClientAuth#REQUEST}: a client without one gets in and {@link #peer}
   * returns empty for it).
   */
  public static SSLContext serverVerifyingClients(KeyManager ordinaryServerKeys, RaTlsVerifier verifier, ClientAuth clientAuth) {
    Objects.requireNonNull(ordinaryServerKeys, "ordinaryServerKeys");
    Objects.requireNonNull(clientAuth, "clientAuth");
    if (clientAuth == ClientAuth.NONE) {
      throw new IllegalArgumentException("a server verifying clients must REQUIRE or REQUEST their certificates");
    }
    return build(new KeyManager[] {ordinaryServerKeys}, RaTlsTrustManager.create(verifier), clientAuth);
  }

  /**
   * Returns the verified RA-TLS peer of a connection whose handshake a {@link RaTlsTrustManager}
   * checked (any context made here, or the trust manager in another TLS stack such as Vert.x), or
   * empty when the peer presented no certificate, its certificate no longer verifies (its collateral
   * expired, for example), or the session carries no trust manager's record (a TLS stack that drops
   * session values on resumption: use {@link #peer(SSLSession, RaTlsVerifier)} there). The
   * verification is repeated through the verifier recorded in the session, which answers from its
   * cache while the result is valid.
   */
  public static Optional<VerifiedRaTls> peer(SSLSession session) {
    Objects.requireNonNull(session, "session");
    if (session.getValue(RaTlsTrustManager.SESSION_VALUE) instanceof RaTlsTrustManager.PeerRecord r) {
      return peer(session, r.verifier());
    }
    return Optional.empty();
  }

  /**
   * Returns the peer of {@code session} verified by {@code verifier}, or empty when it presented no
   * single certificate or that certificate does not verify.
   */
  public static Optional<VerifiedRaTls> peer(SSLSession session, RaTlsVerifier verifier) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(verifier, "verifier");
    Certificate[] certs;
    try {
      certs = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
    if (certs == null || certs.length != 1 || !(certs[0] instanceof X509Certificate leaf)) {
      return Optional.empty();
    }
    try {
      return Optional.of(verifier.verify(leaf));
    } catch (RaTlsException e) {
      return Optional.empty();
    }
  }

  private static SSLContext build(KeyManager[] keys, X509ExtendedTrustManager trust, ClientAuth clientAuth) {
    SSLContext ctx;
    try {
      ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, new TrustManager[] {trust}, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context: " + e.getMessage(), e);
    }
    ctx.getServerSessionContext().setSessionTimeout(SESSION_TIMEOUT_SECONDS);
    ctx.getClientSessionContext().setSessionTimeout(SESSION_TIMEOUT_SECONDS);
    return ConfiguredSslContext.wrap(ctx, PROTOCOLS, clientAuth);
  }

  /** The trust manager of server-only contexts: never asked unless a caller turns client authentication on, then refuses. */
  private static final class RefuseAll extends X509ExtendedTrustManager {
    private static CertificateException refuse() {
      return new CertificateException("this RA-TLS server context does not verify client certificates;"
          + " use RaTlsContexts.mutual or serverVerifyingClients to accept clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) throws CertificateException {
      throw refuse();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) throws CertificateException {
      throw refuse();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) throws CertificateException {
      throw refuse();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine) throws CertificateException {
      throw refuse();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw refuse();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw refuse();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
