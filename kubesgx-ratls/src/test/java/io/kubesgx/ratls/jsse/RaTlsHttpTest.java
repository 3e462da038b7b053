package io.kubesgx.ratls.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.enclave.sim.SimEnclave;
import io.kubesgx.ratls.RaTlsException;
import io.kubesgx.ratls.RaTlsException.Reason;
import io.kubesgx.ratls.RaTlsException.Step;
import io.kubesgx.ratls.RaTlsIssuer;
import io.kubesgx.ratls.RaTlsPolicy;
import io.kubesgx.ratls.RaTlsVerifier;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual attested TLS between the JDK {@code HttpClient} (one simulated enclave) and a Vert.x HTTPS
 * server (another simulated enclave, another MRENCLAVE), each side's policy naming the other; and
 * the refusals issue 15 lists, each naming the failing step.
 */
class RaTlsHttpTest {
  @TempDir Path dir;
  @TempDir Path otherPlatformDir;

  private Vertx vertx;
  private SimEnclaves sim;
  private final AtomicInteger handled = new AtomicInteger();
  private final List<CertificateException> serverRefusals = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    sim = SimEnclaves.create(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    vertx.close().await();
  }

  @Test
  void httpClientToVertx_mutuallyAttestedEnclaves_serverReadsClientMrEnclave() throws Exception {
    int port = serve(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    HttpClient client = client(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)), sim.verifier(SimEnclaves.MRENCLAVE_B));

    HttpResponse<String> r = get(client, port);

    assertEquals(200, r.statusCode());
    assertEquals(SimEnclaves.MRENCLAVE_A, r.body());
    assertEquals(List.of(), serverRefusals);
  }

  @Test
  void httpClientToVertx_serverIsDebugEnclave_refusedAtEnclaveAttributes() throws Exception {
    int port = serve(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, true)), sim.verifier(SimEnclaves.MRENCLAVE_A));

    assertClientRefuses(port, sim.verifier(SimEnclaves.MRENCLAVE_B), Step.VERIFY_ENCLAVE_ATTRS, Reason.DEBUG_ENCLAVE);
  }

  @Test
  void httpClientToVertx_serverHasWrongMrEnclave_refusedAtMeasurements() throws Exception {
    int port = serve(sim.issuer(SimEnclaves.enclave("cc".repeat(32), false)), sim.verifier(SimEnclaves.MRENCLAVE_A));

    assertClientRefuses(port, sim.verifier(SimEnclaves.MRENCLAVE_B), Step.VERIFY_ENCLAVE_MEASUREMENTS, Reason.MRENCLAVE_MISMATCH);
  }

  @Test
  void httpClientToVertx_serverKeyNotBoundToItsQuote_refusedAtExtractQuote() throws Exception {
    SimEnclave b = SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false);
    int port = serve(sim.issuer(SimEnclaves.unbound(sim.quotes(b))), sim.verifier(SimEnclaves.MRENCLAVE_A));

    assertClientRefuses(port, sim.verifier(SimEnclaves.MRENCLAVE_B), Step.EXTRACT_QUOTE, Reason.KEY_NOT_BOUND);
  }

  @Test
  void httpClientToVertx_serverQuoteFromUntrustedRoot_refusedAtExternalVerification() throws Exception {
    SimEnclaves other = SimEnclaves.create(otherPlatformDir);
    int port = serve(other.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));

    RaTlsException e = assertClientRefuses(port, sim.verifier(SimEnclaves.MRENCLAVE_B), Step.VERIFY_EXTERNAL, Reason.QUOTE_REJECTED);
    assertTrue(e.quoteReason().isPresent(), "the DCAP verifier's reason is kept: " + e);
  }

  @Test
  void httpClientToVertx_collateralExpiredAtVerifierClock_refusedAtExternalVerification() throws Exception {
    int port = serve(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    Clock later = Clock.fixed(SimEnclaves.NOW.plus(Duration.ofDays(45)), ZoneOffset.UTC);
    RaTlsVerifier expired = sim.verifier(RaTlsPolicy.builder().mrEnclave(SimEnclaves.MRENCLAVE_B).build(), later);

    RaTlsException e = assertClientRefuses(port, expired, Step.VERIFY_EXTERNAL, null);
    assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("expire"), e.getMessage());
  }

  @Test
  void httpClientToVertx_clientIsDebugEnclave_serverRefusesBeforeTheHandler() throws Exception {
    int port = serve(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_B, false)), sim.verifier(SimEnclaves.MRENCLAVE_A));
    HttpClient client = client(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, true)), sim.verifier(SimEnclaves.MRENCLAVE_B));

    assertThrows(IOException.class, () -> get(client, port));

    assertEquals(0, handled.get(), "the handler never ran");
    // The JDK client may try the connection more than once; every attempt is refused the same way.
    assertFalse(serverRefusals.isEmpty());
    for (CertificateException refusal : serverRefusals) {
      assertTrue(refusal.getMessage().startsWith("RA-TLS client refused at step " + Step.VERIFY_ENCLAVE_ATTRS), refusal.getMessage());
      assertEquals(Reason.DEBUG_ENCLAVE, SimEnclaves.rootCause(refusal).reason());
    }
  }

  private RaTlsException assertClientRefuses(int port, RaTlsVerifier clientVerifier, Step step, Reason reason) throws Exception {
    HttpClient client = client(sim.issuer(SimEnclaves.enclave(SimEnclaves.MRENCLAVE_A, false)), clientVerifier);

    IOException e = assertThrows(IOException.class, () -> get(client, port));

    CertificateException refusal = certificateException(e);
    assertTrue(refusal.getMessage().contains("step " + step), "message names the step " + step + ": " + refusal.getMessage());
    RaTlsException cause = SimEnclaves.rootCause(refusal);
    assertEquals(step, cause.step(), cause.getMessage());
    if (reason != null) {
      assertEquals(reason, cause.reason(), cause.getMessage());
    }
    assertEquals(0, handled.get(), "no request reached the server");
    return cause;
  }

  private static CertificateException certificateException(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CertificateException ce) {
        return ce;
      }
    }
    throw new AssertionError("no CertificateException in the cause chain", t);
  }

  private HttpClient client(RaTlsIssuer issuer, RaTlsVerifier verifier) throws RaTlsException {
    RaTlsKeyManager keys = RaTlsKeyManager.create(issuer);
    closeables.add(keys);
    return HttpClient.newBuilder()
        .sslContext(RaTlsContexts.mutual(keys, verifier))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static HttpResponse<String> get(HttpClient client, int port) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/who")).timeout(Duration.ofSeconds(20)).build();
    return client.send(req, HttpResponse.BodyHandlers.ofString());
  }

  /** Starts a Vert.x HTTPS server that answers each request with the caller's MRENCLAVE; returns its port. */
  private int serve(RaTlsIssuer serverIssuer, RaTlsVerifier clientVerifier) throws Exception {
    RaTlsKeyManager keys = RaTlsKeyManager.create(serverIssuer);
    closeables.add(keys);
    HttpServerOptions o = new HttpServerOptions()
        .setSsl(true)
        .setHost("127.0.0.1")
        .setPort(0)
        .setKeyCertOptions(KeyCertOptions.wrap(keys))
        .setTrustOptions(TrustOptions.wrap(new Recording(RaTlsTrustManager.create(clientVerifier), serverRefusals)))
        .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED)
        // Verification (and a collateral fetch) runs in the TLS handshake: keep it off the event loop.
        .setSslEngineOptions(new JdkSSLEngineOptions().setUseWorkerThread(true));
    HttpServer server = vertx.createHttpServer(o).requestHandler(req -> {
      handled.incrementAndGet();
      String who = RaTlsContexts.peer(req.connection().sslSession())
          .map(v -> v.enclaveReport().mrEnclave().hex())
          .orElse("none");
      req.response().end(who);
    });
    return server.listen().await().actualPort();
  }

  /** Delegates to the RA-TLS trust manager and records its refusals (the server side cannot show them otherwise). */
  private static final class Recording extends X509ExtendedTrustManager {
    private final RaTlsTrustManager delegate;
    private final List<CertificateException> refusals;

    Recording(RaTlsTrustManager delegate, List<CertificateException> refusals) {
      this.delegate = delegate;
      this.refusals = refusals;
    }

    private interface Check {
      void run() throws CertificateException;
    }

    private void record(Check c) throws CertificateException {
      try {
        c.run();
      } catch (CertificateException e) {
        refusals.add(e);
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      record(() -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      record(() -> delegate.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      record(() -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      record(() -> delegate.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      record(() -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      record(() -> delegate.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
